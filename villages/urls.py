from django.urls import path

from . import household_views, views

app_name = "villages"
urlpatterns = [
    path("", views.village_list, name="village_list"),
    path("<int:pk>/", views.village_detail, name="village_detail"),
    path("<int:pk>/groups/add/", views.village_group_add, name="village_group_add"),
    path("<int:pk>/households/add/", household_views.household_create, name="household_create"),
    path("<int:pk>/import/", household_views.household_import, name="household_import"),
    path(
        "<int:pk>/import/template/",
        household_views.household_import_template,
        name="household_import_template",
    ),
    path(
        "<int:pk>/import/<uuid:token>/",
        household_views.household_import_preview,
        name="household_import_preview",
    ),
    path("<int:pk>/committee/", views.committee_list, name="committee_list"),
    path("<int:pk>/committee/add/", views.committee_member_add, name="committee_member_add"),
    path("committee/<int:pk>/", views.committee_member_edit, name="committee_member_edit"),
    path("committee/<int:pk>/end/", views.committee_member_end, name="committee_member_end"),
    path("<int:pk>/schedule/", views.schedule_edit, name="schedule_edit"),
    path("schedule/", views.schedule_list, name="schedule_list"),
    path("<int:pk>/promotion/", views.promotion_survey, name="promotion_survey"),
    path("promotion/", views.promotion_list, name="promotion_list"),
    path("promotion/<int:pk>/", views.promotion_detail, name="promotion_detail"),
    path("promotion/<int:pk>/propose/", views.promotion_propose, name="promotion_propose"),
    path("promotion/<int:pk>/decide/", views.promotion_decide, name="promotion_decide"),
    path("households/", household_views.household_search_view, name="household_search"),
    path("households/<int:pk>/", household_views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", household_views.household_edit, name="household_edit"),
]
