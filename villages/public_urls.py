"""Public pages (no login) under /p/."""

from django.urls import path

from . import views

urlpatterns = [
    path("village/<str:code>/", views.public_village, name="public_village"),
]
