from django.urls import path

from salestrack.forecast import views

app_name = "forecast"

urlpatterns = [
    path("", views.index, name="index"),
    path("api/weighted.json", views.weighted_json, name="weighted"),
    path("api/statistical.json", views.statistical_json, name="statistical"),
    path("api/backtest.json", views.backtest_json, name="backtest"),
]
