"""Pages of collection: the action log of a record, the day's actions, the collection
notices (list, single and batch print, receipt registration)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.errors import DomainError, add_to_form
from creditcoop.models import Staff
from creditcoop.permissions import roles_required
from villages.models import Village

from .. import selectors
from .. import selectors_collect as sc
from ..forms_collect import ActionForm, BatchForm, NoticeForm, ReceiptForm
from ..models import CollectionAction, CollectionNotice, RecoveryPolicy
from ..services import collect as services
from ..services import may_pursue
from ._roles import PURSUERS, PURSUERS_AND_AGENCY, READERS, READERS_AND_AGENCY


def _scope_choices(user):
    records = selectors.npl_scope(user)
    villages = Village.objects.filter(pk__in=records.values("village_id")).order_by("code")
    officers = Staff.objects.filter(pk__in=records.values("collector_id")).order_by("username")
    return villages, officers


@roles_required(*READERS_AND_AGENCY)
def action_log(request, pk):
    record = selectors.record_get(request.user, pk)
    form = ActionForm(request.POST or None, record=record)
    if request.method == "POST" and form.is_valid():
        try:
            services.collection_action_add(actor=request.user, record=record, **form.cleaned_data)
            messages.success(request, _("已登记催收记录。"))
            return redirect("recovery:action_log", record.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    actions = Paginator(
        record.actions.select_related("guarantor", "person").order_by("-at", "-id"), 30
    ).get_page(request.GET.get("page"))
    policy = RecoveryPolicy.current(record.cooperative.union_id)
    return render(
        request,
        "recovery/collect_actions.html",
        {
            "record": record,
            "page": actions,
            "form": form,
            "policy": policy,
            "may_pursue": may_pursue(request.user, record),
        },
        status=400 if request.method == "POST" else 200,
    )


@roles_required(*READERS)
def actions_today(request):
    f = sc.ActionFilters.from_query(request.GET)
    villages, _officers = _scope_choices(request.user)
    persons = Staff.objects.filter(
        pk__in=sc.action_scope(request.user).values("person_id")
    ).order_by("username")
    return render(
        request,
        "recovery/collect_today.html",
        {
            "page": sc.actions_page(user=request.user, f=f, page=request.GET.get("page")),
            "f": f,
            "villages": villages,
            "persons": persons,
            "kinds": CollectionAction.Kind.choices,
            "results": CollectionAction.Result.choices,
        },
    )


@roles_required(*READERS)
def notice_list(request):
    f = sc.NoticeFilters.from_query(request.GET)
    villages, officers = _scope_choices(request.user)
    return render(
        request,
        "recovery/collect_notices.html",
        {
            "page": sc.notices_page(user=request.user, f=f, page=request.GET.get("page")),
            "f": f,
            "villages": villages,
            "officers": officers,
            "statuses": CollectionNotice.Status.choices,
        },
    )


@roles_required(*PURSUERS, write=True)
def notice_create(request, pk):
    record = selectors.record_get(request.user, pk)
    form = NoticeForm(request.POST or None, record=record)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_create(actor=request.user, record=record, **form.cleaned_data)
            messages.success(request, _("已生成催收通知书 %(n)s。") % {"n": notice.number})
            return redirect("recovery:notice_print", notice.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return render(
        request,
        "recovery/collect_notice_form.html",
        {"record": record, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@roles_required(*READERS_AND_AGENCY)
def notice_print(request, pk):
    notice = sc.notice_get(request.user, pk)
    return render(
        request, "recovery/collect_notice_print.html", {"notices": [notice], "single": notice}
    )


@roles_required(*PURSUERS, write=True)
def notice_batch(request):
    villages, officers = _scope_choices(request.user)
    form = BatchForm(request.POST or None, villages=villages, officers=officers)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.notice_batch_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已生成本批催收通知书。"))
            return redirect("recovery:notice_batch_print", batch.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return render(
        request,
        "recovery/collect_batch_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@roles_required(*READERS)
def notice_batch_print(request, pk):
    batch = sc.batch_get(request.user, pk)
    return render(
        request,
        "recovery/collect_notice_print.html",
        {"notices": sc.batch_notices(request.user, batch), "batch": batch},
    )


@roles_required(*PURSUERS_AND_AGENCY, write=True)
def notice_receipt(request, pk):
    notice = sc.notice_get(request.user, pk)
    form = ReceiptForm(
        request.POST or None, initial={"signed_on": timezone.localdate(), "signer_relation": "self"}
    )
    if (
        request.method == "POST"
        and notice.status == CollectionNotice.Status.PRINTED
        and form.is_valid()
    ):
        try:
            notice = services.notice_receipt_register(
                actor=request.user, notice=notice, **form.cleaned_data
            )
            level = messages.success if notice.receipt_counts else messages.warning
            level(request, _("已登记回执。") + notice.receipt_effect)
            return redirect("recovery:notice_receipt", notice.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return render(
        request,
        "recovery/collect_receipt.html",
        {"notice": notice, "form": form},
        status=400 if request.method == "POST" else 200,
    )


urlpatterns = [
    path("records/<int:pk>/actions/", action_log, name="action_log"),
    path("records/<int:pk>/notices/new/", notice_create, name="notice_create"),
    path("actions/", actions_today, name="actions_today"),
    path("notices/", notice_list, name="notice_list"),
    path("notices/batch/", notice_batch, name="notice_batch"),
    path("notices/batch/<int:pk>/print/", notice_batch_print, name="notice_batch_print"),
    path("notices/<int:pk>/print/", notice_print, name="notice_print"),
    path("notices/<int:pk>/receipt/", notice_receipt, name="notice_receipt"),
]
