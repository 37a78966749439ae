from django.urls import path

from salestrack.trash import views

app_name = "trash"
urlpatterns = [
    path("", views.list_view, name="list"),
    path("<str:kind>/<int:pk>/restore/", views.restore, name="restore"),
    path("<str:kind>/<int:pk>/purge/", views.purge, name="purge"),
    path("customers/<int:pk>/delete/", views.customer_delete_view, name="customer_delete"),
]
