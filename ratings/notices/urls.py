from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("", views.batch_list, name="batch_list"),
    path("new/", views.batch_create, name="batch_create"),
    path("<int:pk>/", views.batch_detail, name="batch_detail"),
    path("<int:pk>/edit/", views.batch_edit, name="batch_edit"),
    path("<int:pk>/publish/", views.batch_publish, name="batch_publish"),
    path("<int:pk>/entries/<int:entry_pk>/drop/", views.entry_drop, name="entry_drop"),
    path("objections/", views.objection_list, name="objection_list"),
    path("objections/new/", views.objection_create, name="objection_create"),
    path("objections/<int:pk>/", views.objection_detail, name="objection_detail"),
    path("objections/<int:pk>/<slug:action>/", views.objection_action, name="objection_action"),
]
