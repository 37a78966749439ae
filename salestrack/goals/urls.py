from django.urls import path

from salestrack.goals import views

app_name = "goals"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("plan/", views.plan, name="plan"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
