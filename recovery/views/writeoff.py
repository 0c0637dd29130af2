"""Pages of write-off (呆账核销, 账销案存) and debt-for-asset (以资抵债): the dossier list, the
dossier form with its evidence checklist, the approval step, the dossier with its recoveries
after write-off and their cap, the printable 呆账核销申报审批表; the asset list, the asset
form, its page and the lease, disposal and own-use forms."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.errors import DomainError, add_to_form
from creditcoop.models import Role
from creditcoop.permissions import roles_required

from .. import selectors
from .. import selectors_writeoff as sw
from ..forms_writeoff import (
    ApprovalForm,
    AssetForm,
    DisposalForm,
    DossierForm,
    LeaseForm,
    OwnUseDecisionForm,
    OwnUseForm,
    RecoveryForm,
)
from ..models import AssetKind, DebtAsset, DebtAssetOwnUse, WriteOffCondition, WriteOffDossier
from ..services import assets as asset_services
from ..services import may_pursue
from ..services import writeoff as services
from ._roles import PURSUERS, READERS

# Who decides a level of the write-off chain (the service checks the level's own role).
APPROVERS = (Role.DIRECTOR, Role.DEPUTY, Role.UNION_RISK, Role.UNION_ASSET, Role.ADMIN)


def _status(request):
    return 400 if request.method == "POST" else 200


# --- write-off -----------------------------------------------------------------------------


@roles_required(*READERS)
def writeoff_list(request):
    f = sw.DossierFilters.from_query(request.GET)
    return render(
        request,
        "recovery/writeoff_list.html",
        {
            "page": sw.dossiers_page(user=request.user, f=f, page=request.GET.get("page")),
            "f": f,
            "conditions": WriteOffCondition.objects.all(),
            "statuses": WriteOffDossier.Status.choices,
        },
    )


def _ticks_from(request, condition) -> dict[int, str]:
    if condition is None:
        return {}
    return {
        e.pk: request.POST.get(f"ref_{e.pk}", "")
        for e in condition.evidence.all()
        if request.POST.get(f"ev_{e.pk}")
    }


def _checklist(condition, ticks: dict[int, str]):
    if condition is None:
        return []
    return [(e, e.pk in ticks, ticks.get(e.pk, "")) for e in condition.evidence.all()]


def _dossier_form(request, *, record, dossier=None):
    if dossier is not None:
        initial = {
            "condition": dossier.condition,
            "principal": dossier.principal,
            "interest_on": dossier.interest_on,
            "interest_off": dossier.interest_off,
            "reason": dossier.reason,
        }
        ticks = dict(dossier.ticks.values_list("evidence_id", "document_ref"))
    else:
        initial = {"principal": record.principal_owed, "interest_off": record.interest_owed}
        ticks = {}
    chosen = request.GET.get("condition") or request.POST.get("condition")
    condition = (
        WriteOffCondition.objects.filter(active=True, pk=chosen).first()
        if (chosen and chosen.isdigit())
        else initial.get("condition")
    )
    if condition is not None:
        initial["condition"] = condition
    form = DossierForm(request.POST or None, initial=initial)
    if request.method == "POST":
        ticks = _ticks_from(request, condition)
        if form.is_valid():
            try:
                saved = services.writeoff_save(
                    actor=request.user,
                    record=record,
                    dossier=dossier,
                    ticks=ticks,
                    **form.cleaned_data,
                )
                messages.success(request, _("已保存核销申报。"))
                return redirect("recovery:writeoff_detail", saved.pk)
            except DomainError as exc:
                add_to_form(form, exc)
    return render(
        request,
        "recovery/writeoff_form.html",
        {
            "record": record,
            "dossier": dossier,
            "form": form,
            "condition": condition,
            "conditions": WriteOffCondition.objects.filter(active=True),
            "checklist": _checklist(condition, ticks),
        },
        status=_status(request),
    )


@roles_required(*PURSUERS, write=True)
def writeoff_create(request, pk):
    record = selectors.record_get(request.user, pk)
    return _dossier_form(request, record=record)


@roles_required(*PURSUERS, write=True)
def writeoff_edit(request, pk):
    dossier = sw.dossier_get(request.user, pk)
    return _dossier_form(request, record=dossier.record, dossier=dossier)


@roles_required(*READERS)
def writeoff_detail(request, pk):
    return _detail(request, sw.dossier_get(request.user, pk))


def _detail(request, dossier, recovery_form=None):
    pending = services.next_level(dossier) if dossier.status == "in_approval" else None
    return render(
        request,
        "recovery/writeoff_detail.html",
        {
            "d": dossier,
            "record": dossier.record,
            "ticks": dossier.ticks.select_related("evidence"),
            "missing": services.missing_evidence(dossier) if dossier.status == "draft" else [],
            "approvals": dossier.approvals.select_related("level", "approver"),
            "levels": services.levels(),
            "pending": pending,
            "may_approve": pending is not None
            and services.may_approve_level(request.user, dossier, pending)
            and request.user.pk != dossier.prepared_by_id,
            "may_pursue": may_pursue(request.user, dossier.record),
            "recoveries": dossier.recoveries.select_related("entry__recorded_by"),
            "recovery_form": recovery_form or RecoveryForm(initial={"on": timezone.localdate()}),
        },
        status=400 if recovery_form is not None else 200,
    )


@roles_required(*PURSUERS, write=True)
def writeoff_submit(request, pk):
    dossier = sw.dossier_get(request.user, pk)
    if request.method == "POST":
        try:
            services.writeoff_submit(actor=request.user, dossier=dossier)
            messages.success(request, _("已提交审批。"))
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("recovery:writeoff_detail", dossier.pk)


@roles_required(*APPROVERS, write=True)
def writeoff_approve(request, pk):
    dossier = sw.dossier_get(request.user, pk)
    pending = services.next_level(dossier) if dossier.status == "in_approval" else None
    form = ApprovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if pending is None:
                raise services.RecoveryError(_("该核销申报不在审批中。"))
            services.writeoff_approve(
                actor=request.user, dossier=dossier, level=pending, **form.cleaned_data
            )
            messages.success(request, _("已登记审批意见。"))
            return redirect("recovery:writeoff_detail", dossier.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return render(
        request,
        "recovery/writeoff_approve.html",
        {
            "d": dossier,
            "pending": pending,
            "form": form,
            "approvals": dossier.approvals.select_related("level", "approver"),
        },
        status=_status(request),
    )


@roles_required(*PURSUERS, write=True)
def writeoff_recover(request, pk):
    dossier = sw.dossier_get(request.user, pk)
    form = RecoveryForm(request.POST)
    if form.is_valid():
        try:
            services.writeoff_recovery_record(
                actor=request.user, dossier=dossier, **form.cleaned_data
            )
            messages.success(request, _("已登记核销后收回。"))
            return redirect("recovery:writeoff_detail", dossier.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return _detail(request, dossier, recovery_form=form)


@roles_required(*READERS)
def writeoff_print(request, pk):
    dossier = sw.dossier_get(request.user, pk)
    approvals = {a.position: a for a in dossier.approvals.select_related("approver")}
    return render(
        request,
        "recovery/writeoff_print.html",
        {
            "d": dossier,
            "record": dossier.record,
            "ticks": dossier.ticks.select_related("evidence"),
            "level_rows": [(lv, approvals.get(lv.position)) for lv in services.levels()],
            "guarantors": dossier.record.guarantors.all(),
        },
    )


# --- debt-for-asset ------------------------------------------------------------------------


@roles_required(*READERS)
def asset_list(request):
    f = sw.AssetFilters.from_query(request.GET)
    return render(
        request,
        "recovery/asset_list.html",
        {
            "page": sw.assets_page(
                user=request.user, f=f, today=timezone.localdate(), page=request.GET.get("page")
            ),
            "f": f,
            "kinds": AssetKind.choices,
            "statuses": DebtAsset.Status.choices,
            "today": timezone.localdate(),
        },
    )


@roles_required(*PURSUERS, write=True)
def asset_create(request, pk):
    record = selectors.record_get(request.user, pk)
    form = AssetForm(request.POST or None, record=record)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        settles = [asset_services.Settles(record, data.pop("principal"), data.pop("interest"))]
        try:
            asset = asset_services.debt_asset_create(actor=request.user, settles=settles, **data)
            messages.success(request, _("已登记抵债资产。"))
            return redirect("recovery:asset_detail", asset.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return render(
        request,
        "recovery/asset_form.html",
        {"record": record, "form": form},
        status=_status(request),
    )


@roles_required(*READERS)
def asset_detail(request, pk):
    asset = sw.asset_get(request.user, pk)
    own_use = asset.own_use.select_related("requested_by", "director", "union_approver")
    pending = next((r for r in own_use if r.status == DebtAssetOwnUse.Status.REQUESTED), None)
    return render(
        request,
        "recovery/asset_detail.html",
        {
            "a": asset,
            "settlements": asset.settlements.select_related("record", "entry"),
            "leases": asset.leases.all(),
            "disposal": getattr(asset, "disposal", None) if asset.status == "disposed" else None,
            "own_use": own_use,
            "pending": pending,
            "step": asset_services.own_use_next_step(pending) if pending else "",
            "may_keep": asset_services.may_keep(request.user, asset),
            "days_left": (asset.disposal_deadline - timezone.localdate()).days,
        },
    )


def _asset_action(request, pk, form_class, title, call, **extra):
    asset = sw.asset_get(request.user, pk)
    form = form_class(request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        try:
            call(asset, form.cleaned_data)
            messages.success(request, _("已办理。"))
            return redirect("recovery:asset_detail", asset.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return render(
        request,
        "recovery/asset_action.html",
        {"a": asset, "form": form, "title": title},
        status=_status(request),
    )


@roles_required(*PURSUERS, write=True)
def asset_lease(request, pk):
    return _asset_action(
        request,
        pk,
        LeaseForm,
        _("抵债资产出租"),
        lambda asset, data: asset_services.debt_asset_lease(
            actor=request.user, asset=asset, **data
        ),
    )


@roles_required(*PURSUERS, write=True)
def asset_dispose(request, pk):
    return _asset_action(
        request,
        pk,
        DisposalForm,
        _("抵债资产处置（拍卖、变卖）"),
        lambda asset, data: asset_services.debt_asset_dispose(
            actor=request.user, asset=asset, **data
        ),
    )


@roles_required(*PURSUERS, write=True)
def asset_own_use(request, pk):
    return _asset_action(
        request,
        pk,
        OwnUseForm,
        _("申请抵债资产转为自用"),
        lambda asset, data: asset_services.own_use_request(actor=request.user, asset=asset, **data),
    )


def _decide(request, asset, data):
    pending = asset.own_use.filter(status=DebtAssetOwnUse.Status.REQUESTED).first()
    if pending is None:
        raise asset_services.RecoveryError(_("没有待审批的自用申请。"))
    asset_services.own_use_decide(actor=request.user, request=pending, **data)


@roles_required(*APPROVERS, write=True)
def asset_own_use_decide(request, pk):
    return _asset_action(
        request,
        pk,
        OwnUseDecisionForm,
        _("审批抵债资产自用"),
        lambda asset, data: _decide(request, asset, data),
    )


urlpatterns = [
    path("writeoff/", writeoff_list, name="writeoff_list"),
    path("records/<int:pk>/writeoff/new/", writeoff_create, name="writeoff_create"),
    path("writeoff/<int:pk>/", writeoff_detail, name="writeoff_detail"),
    path("writeoff/<int:pk>/edit/", writeoff_edit, name="writeoff_edit"),
    path("writeoff/<int:pk>/submit/", writeoff_submit, name="writeoff_submit"),
    path("writeoff/<int:pk>/approve/", writeoff_approve, name="writeoff_approve"),
    path("writeoff/<int:pk>/recover/", writeoff_recover, name="writeoff_recover"),
    path("writeoff/<int:pk>/print/", writeoff_print, name="writeoff_print"),
    path("assets/", asset_list, name="asset_list"),
    path("records/<int:pk>/assets/new/", asset_create, name="asset_create"),
    path("assets/<int:pk>/", asset_detail, name="asset_detail"),
    path("assets/<int:pk>/lease/", asset_lease, name="asset_lease"),
    path("assets/<int:pk>/dispose/", asset_dispose, name="asset_dispose"),
    path("assets/<int:pk>/own-use/", asset_own_use, name="asset_own_use"),
    path("assets/<int:pk>/own-use/decide/", asset_own_use_decide, name="asset_own_use_decide"),
]
