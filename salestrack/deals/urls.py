from django.urls import path

from salestrack.deals import bulk_views, views

app_name = "deals"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("bulk/", bulk_views.bulk, name="bulk"),
    path("board/", views.board, name="board"),
    path("board/stage/<int:stage_id>/", views.board_column, name="board_column"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/lines/", views.line_add, name="line_add"),
    path("<int:pk>/lines/<int:line_id>/remove/", views.line_remove, name="line_remove"),
]
