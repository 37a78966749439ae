from django.urls import path

from salestrack.customers import bulk_views, views

app_name = "customers"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("bulk/", bulk_views.bulk, name="bulk"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/contacts/new/", views.contact_edit, name="contact_create"),
    path("<int:pk>/contacts/<int:contact_id>/", views.contact_edit, name="contact_edit"),
    path("<int:pk>/contacts/<int:contact_id>/delete/", views.contact_delete, name="contact_delete"),
]
