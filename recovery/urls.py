app_name = "recovery"
urlpatterns: list = []
