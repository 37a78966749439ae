from django.urls import path, re_path

from salestrack.calendars import views

app_name = "calendars"

urlpatterns = [
    path("", views.index, name="index"),
    path("issue/", views.issue, name="issue"),
    path("revoke/", views.revoke, name="revoke"),
    re_path(r"^(?P<token>[A-Za-z0-9_-]{1,100})\.ics$", views.feed, name="feed"),
]
