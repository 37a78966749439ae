from django.urls import path
from django.views.generic import RedirectView

from salestrack.hygiene import views

app_name = "hygiene"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="hygiene:duplicates"), name="index"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("merge/<int:first>/<int:second>/", views.merge, name="merge"),
    path("stale/", views.stale, name="stale"),
    path("stale/archive/", views.archive, name="archive"),
    path("archived/", views.archived, name="archived"),
    path("archived/unarchive/", views.unarchive_many, name="unarchive_many"),
    path("archived/<int:pk>/unarchive/", views.unarchive, name="unarchive"),
]
