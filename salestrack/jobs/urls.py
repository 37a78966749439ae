from django.urls import path

from salestrack.jobs import views

app_name = "jobs"

urlpatterns = [
    path("failures/", views.failures, name="failures"),
    path("failures/resolve/", views.resolve, name="resolve"),
]
