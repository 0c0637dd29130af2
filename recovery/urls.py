from django.urls import path

from . import views
from .views import agency, board, collect, contract, incentive, responsibility, roll, writeoff
from .views import agree as agree_views
from .views import lawsuits as lawsuit_views

app_name = "recovery"
urlpatterns = [
    path("", views.register, name="register"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("records/<int:pk>/events/", views.event_add, name="event_add"),
    path("records/<int:pk>/guarantors/", views.guarantor_add, name="guarantor_add"),
    path("records/<int:pk>/assessment/", views.assessment_edit, name="assessment_edit"),
    path("expiring/", views.expiring, name="expiring"),
    path("import/", views.npl_import, name="npl_import"),
    path("import/template/", views.npl_import_template, name="npl_import_template"),
    path("import/<uuid:token>/", views.npl_import_preview, name="npl_import_preview"),
    *roll.urlpatterns,
    *collect.urlpatterns,
    *board.urlpatterns,
    *agree_views.urlpatterns,
    *lawsuit_views.urlpatterns,
    *responsibility.urlpatterns,
    *incentive.urlpatterns,
    *agency.urlpatterns,
    *writeoff.urlpatterns,
    *contract.urlpatterns,
]
