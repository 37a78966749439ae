from django.urls import path

from salestrack.pool import views

app_name = "pool"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/claim/", views.claim, name="claim"),
    path("<int:pk>/release/", views.release, name="release"),
]
