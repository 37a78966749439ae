from django.urls import path

from salestrack.tiers import views

app_name = "tiers"

urlpatterns = [
    path("rules/", views.rules, name="rules"),
    path("proposals/", views.proposals, name="proposals"),
    path("proposals/<int:pk>/accept/", views.proposal_accept, name="accept"),
    path("proposals/<int:pk>/dismiss/", views.proposal_dismiss, name="dismiss"),
    path("customers/<int:pk>/override/", views.override, name="override"),
    path("customers/<int:pk>/clear/", views.clear_override, name="clear"),
]
