from django.urls import path

from salestrack.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path(
        "<str:kind>/<str:subject>/<int:subject_id>/<str:start>/",
        views.report,
        name="report",
    ),
]
