from django.urls import path

from . import views

app_name = "ratings"
urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_day, name="campaign_day"),
    path(
        "campaigns/<int:pk>/add-households/",
        views.campaign_add_households,
        name="campaign_add_households",
    ),
    path("campaigns/<int:pk>/advance/", views.campaign_advance, name="campaign_advance"),
    path("campaigns/<int:pk>/decide/", views.campaign_decide, name="campaign_decide"),
    path("campaigns/<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path("rows/<int:pk>/", views.row, name="row"),
    path("applications/", views.application_list, name="application_list"),
    path("applications/new/", views.application_create, name="application_create"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path(
        "applications/<int:pk>/documents/",
        views.application_documents,
        name="application_documents",
    ),
    path(
        "applications/<int:pk>/investigate/",
        views.application_investigate,
        name="application_investigate",
    ),
    path("applications/<int:pk>/submit/", views.application_submit, name="application_submit"),
    path("applications/<int:pk>/step/", views.application_step, name="application_step"),
    path("applications/<int:pk>/decide/", views.application_decide, name="application_decide"),
    path("applications/<int:pk>/reject/", views.application_reject, name="application_reject"),
    path(
        "applications/<int:pk>/rejection/",
        views.application_rejection,
        name="application_rejection",
    ),
    path("households/<int:pk>/history/", views.household_history, name="household_history"),
    path("villages/<int:pk>/ledger/", views.village_ledger, name="village_ledger"),
    path("villages/<int:pk>/approvals/", views.village_approvals, name="village_approvals"),
]
