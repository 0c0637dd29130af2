"""Public notice pages (no login) under /p/."""

from django.urls import path

from . import views

app_name = "notices_public"

urlpatterns = [
    path("village/<str:code>/notice/", views.public_village, name="village"),
    path("village/<str:code>/notice/<int:pk>/", views.public_batch, name="batch"),
    path("village/<str:code>/notice/<int:pk>/poster/", views.public_poster, name="poster"),
    path("village/<str:code>/objection/", views.public_objection, name="objection"),
    path("objection/", views.public_objection_lookup, name="objection_lookup"),
    path("objection/<str:reference>/", views.public_objection_status, name="objection_status"),
]
