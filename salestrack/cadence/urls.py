from django.urls import path

from salestrack.cadence import views

app_name = "cadence"

urlpatterns = [
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_create"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
]
