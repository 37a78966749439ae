from django.urls import path

from salestrack.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/open/", views.open_, name="open"),
    path("<int:pk>/read/", views.read, name="read"),
    path("read-all/", views.read_all, name="read_all"),
    path("settings/", views.preferences, name="settings"),
    path("settings/test/", views.send_test, name="send_test"),
    path("failed/", views.failed, name="failed"),
    path("failed/retry/", views.retry, name="retry"),
]
