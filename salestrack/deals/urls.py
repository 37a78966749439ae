app_name = "deals"
urlpatterns = []
