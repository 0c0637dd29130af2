from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("", views.export_index, name="index"),
    path("new/", views.export_start, name="start"),
    path("mine/", views.export_mine, name="mine"),
    path("<int:pk>/", views.export_job, name="job"),
    path("<int:pk>/progress/", views.export_progress, name="progress"),
    path("<int:pk>/download/", views.export_download, name="download"),
]
