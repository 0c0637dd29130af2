app_name = "servicehall"
urlpatterns: list = []
