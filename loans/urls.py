from django.urls import path

from . import views

app_name = "loans"
urlpatterns = [
    path("", views.contract_list, name="contract_list"),
    path("grant/", views.grant_villages, name="grant_villages"),
    path("grant/villages/<int:pk>/", views.grant_village, name="grant_village"),
    path("grant/applications/<int:pk>/", views.grant_single, name="grant_single"),
    path("grant/batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("certificates/<int:pk>/print/", views.certificate_print, name="certificate_print"),
    path("counter/", views.counter, name="counter"),
    path("counter/refusals/", views.refusal_list, name="refusal_list"),
    path("loans/<int:pk>/", views.loan_detail, name="loan_detail"),
    path("loans/<int:pk>/iou/", views.iou_print, name="iou_print"),
    path("loans/<int:pk>/repay/", views.loan_repay, name="loan_repay"),
    path("loans/<int:pk>/classify/", views.loan_classify, name="loan_classify"),
    path("receipts/<int:pk>/", views.receipt_print, name="receipt_print"),
    path("receipts/<int:pk>/reverse/", views.receipt_reverse, name="receipt_reverse"),
    path("ledger/", views.ledger, name="ledger"),
    path("incentives/", views.incentive_villages, name="incentive_villages"),
    path("villages/<int:pk>/incentives/", views.incentive_statement, name="incentive_statement"),
]
