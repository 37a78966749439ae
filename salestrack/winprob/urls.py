from django.urls import path

from salestrack.winprob import views

app_name = "winprob"

urlpatterns = [
    path("", views.index, name="index"),
    path("retrain/", views.retrain, name="retrain"),
    path("api/deal/<int:pk>.json", views.deal_json, name="deal_json"),
]
