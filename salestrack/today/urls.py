from django.urls import path

from salestrack.today import views

app_name = "today"

urlpatterns = [
    path("", views.index, name="index"),
    path("refresh/", views.refresh, name="refresh"),
]
