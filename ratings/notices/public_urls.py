"""Public notice pages (no login) under /p/."""

from django.urls import path

from . import public_views

app_name = "notices_public"

urlpatterns = [
    path("village/<str:code>/notice/", public_views.public_village, name="village"),
    path("village/<str:code>/notice/<int:pk>/", public_views.public_batch, name="batch"),
    path("village/<str:code>/notice/<int:pk>/poster/", public_views.public_poster, name="poster"),
    path("village/<str:code>/objection/", public_views.public_objection, name="objection"),
    path("objection/", public_views.public_objection_lookup, name="objection_lookup"),
    path(
        "objection/<str:reference>/", public_views.public_objection_status, name="objection_status"
    ),
]
