from django.urls import path

from salestrack.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.list_view, name="list"),
    path("<int:seq>/revert/", views.revert, name="revert"),
]
