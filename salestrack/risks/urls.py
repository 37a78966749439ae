from django.urls import path

from salestrack.risks import views

app_name = "risks"

urlpatterns = [
    path("", views.index, name="index"),
    path("stalled/", views.stalled, name="stalled"),
    path("cycle/", views.cycle, name="cycle"),
    path("review/", views.review, name="review"),
    path("review/export.xlsx", views.review_export, name="review_export"),
    path("review/<int:pk>/decide/", views.review_decide, name="review_decide"),
    path("deals/<int:pk>/flags/", views.flag_raise, name="flag_raise"),
    path("flags/<int:pk>/resolve/", views.flag_resolve, name="flag_resolve"),
]
