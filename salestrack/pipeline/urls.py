from django.urls import path

from salestrack.pipeline import views

app_name = "pipeline"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("new/", views.pipeline_edit, name="create"),
    path("<int:pk>/", views.pipeline_edit, name="edit"),
    path("<int:pk>/stages/new/", views.stage_edit, name="stage_create"),
    path("<int:pk>/stages/<int:stage_id>/", views.stage_edit, name="stage_edit"),
    path("<int:pk>/stages/<int:stage_id>/move/", views.stage_move, name="stage_move"),
    path("<int:pk>/stages/<int:stage_id>/delete/", views.stage_delete, name="stage_delete"),
]
