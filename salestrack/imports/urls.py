from django.urls import path

from salestrack.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.upload, name="upload"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/mapping/apply/", views.apply_mapping, name="apply_mapping"),
    path("<int:pk>/mapping/save/", views.save_mapping, name="save_mapping"),
    path("<int:pk>/commit/", views.commit, name="commit"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/undo/", views.undo, name="undo"),
    path("<int:pk>/errors.xlsx", views.error_report, name="errors"),
]
