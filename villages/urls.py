from django.urls import path

from . import views

app_name = "villages"
urlpatterns = [
    path("", views.village_list, name="village_list"),
    path("<int:pk>/", views.village_detail, name="village_detail"),
    path("households/", views.household_search, name="household_search"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
]
