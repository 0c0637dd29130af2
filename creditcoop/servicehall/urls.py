from django.urls import path

from . import views

app_name = "servicehall"
urlpatterns = [
    path("", views.walkin_list, name="walkin_list"),
    path("walkins/new/", views.walkin_create, name="walkin_create"),
    path("walkins/<int:pk>/", views.walkin_detail, name="walkin_detail"),
    # One view for both steps of an application (walkin_steps.STEPS).
    path("walkins/<int:pk>/answer/", views.walkin_settle, {"step": "answer"}, name="walkin_answer"),
    path("walkins/<int:pk>/decide/", views.walkin_settle, {"step": "decide"}, name="walkin_decide"),
    path("walkins/<int:pk>/refusal/", views.walkin_refusal, name="walkin_refusal"),
    path("roster/", views.roster, name="roster"),
    path("roster/action/", views.roster_action, name="roster_action"),
    path("deadlines/", views.deadline_list, name="deadline_list"),
    path("accountability/", views.accountability_list, name="accountability_list"),
    path("accountability/<int:pk>/", views.accountability_detail, name="accountability_detail"),
    path(
        "accountability/<int:pk>/decide/",
        views.accountability_decide,
        name="accountability_decide",
    ),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/report.xlsx", views.dashboard_export, name="dashboard_export"),
    path("loan-types/", views.loan_types, name="loan_types"),
]
