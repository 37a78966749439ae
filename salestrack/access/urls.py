from django.urls import path

from salestrack.access import role_views, views

app_name = "access"

urlpatterns = [
    path("shares/<str:object_type>/<int:object_id>/", views.share_create, name="share_create"),
    path("shares/<int:pk>/revoke/", views.share_delete, name="share_revoke"),
    path("roles/", role_views.role_list, name="roles"),
    path("roles/new/", role_views.role_create_view, name="role_create"),
    path("roles/<slug:key>/", role_views.role_edit, name="role_edit"),
    path("roles/<slug:key>/delete/", role_views.role_delete_view, name="role_delete"),
]
