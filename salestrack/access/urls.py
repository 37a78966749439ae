from django.urls import path

from salestrack.access import views

app_name = "access"

urlpatterns = [
    path("shares/<str:object_type>/<int:object_id>/", views.share_create, name="share_create"),
    path("shares/<int:pk>/revoke/", views.share_delete, name="share_revoke"),
]
