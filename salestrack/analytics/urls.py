from django.urls import path

from salestrack.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("deals/", views.deals, name="deals"),
    path("api/<slug:name>.json", views.api, name="api"),
]
