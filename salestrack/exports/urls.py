from django.urls import re_path

from salestrack.exports import views

app_name = "exports"
urlpatterns = [
    re_path(r"^customers\.(?P<fmt>csv|xlsx)$", views.customers, name="customers"),
    re_path(r"^deals\.(?P<fmt>csv|xlsx)$", views.deals, name="deals"),
    re_path(r"^followups\.(?P<fmt>csv|xlsx)$", views.followups, name="followups"),
]
