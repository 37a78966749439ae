from django.urls import path

from salestrack.handover import views

app_name = "handover"
urlpatterns = [
    path("", views.index, name="index"),
    path("execute/", views.execute, name="execute"),
]
