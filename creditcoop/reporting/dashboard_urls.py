from django.urls import path

from . import dashboard_views as views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard_home, name="home"),
    path("cooperatives/<int:pk>/", views.dashboard_cooperative, name="cooperative"),
    path("villages/<int:pk>/", views.dashboard_village, name="village"),
    path("reports/", views.reports, name="reports"),
    path("reports/<slug:code>/", views.report_print, name="report"),
    path("reports/<slug:code>/xlsx/", views.report_xlsx, name="report_xlsx"),
]
