from django.urls import path

from salestrack.reminders import views

app_name = "reminders"

urlpatterns = [
    path("settings/", views.settings_edit, name="settings"),
]
