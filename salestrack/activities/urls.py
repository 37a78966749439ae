from django.urls import path

from salestrack.activities import views

app_name = "activities"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/", views.create, name="create"),
    path("<int:pk>/done/", views.done, name="done"),
]
