"""Archive pages: reconciliation, destruction and inspections (docs/rules.md §6.6–§6.8)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from creditcoop.errors import DomainError, add_to_form
from creditcoop.exports import workbook_response, write_table
from creditcoop.models import Role
from creditcoop.permissions import may_write, roles_required

from .. import selectors_control as sel
from ..forms.control import (
    AccountingImportForm,
    BalanceForm,
    CancelForm,
    DestructionCreateForm,
    DestructionDestroyForm,
    InspectionForm,
    RectifyForm,
)
from ..models import AccountingImport, ArchiveFile, DestructionBatch, FileStatus, InspectionFinding
from ..services import inspections, reconcile, retention

UNION_READERS = (Role.AUDITOR, Role.UNION_RISK, Role.UNION_ASSET, Role.ADMIN)
RECONCILE_READERS = (
    Role.ARCHIVIST,
    Role.DIRECTOR,
    Role.DEPUTY,
    Role.OFFICER,
    Role.CLERK,
    *UNION_READERS,
)
BALANCE_WRITERS = (Role.ARCHIVIST, Role.OFFICER, Role.CLERK)
IMPORTERS = (Role.ARCHIVIST, Role.DIRECTOR, Role.DEPUTY)
DESTRUCTION_READERS = (Role.ARCHIVIST, Role.DIRECTOR, Role.DEPUTY, *UNION_READERS)
INSPECTION_READERS = (
    Role.ARCHIVIST,
    Role.DIRECTOR,
    Role.DEPUTY,
    Role.OFFICER,
    Role.CLERK,
    *UNION_READERS,
)
RECTIFIERS = (Role.ARCHIVIST, Role.DIRECTOR, Role.DEPUTY, Role.OFFICER, Role.CLERK)


def _int(value):
    return int(value) if str(value or "").isdigit() else None


# ---------------------------------------------------------------------------
# Reconciliation
# ---------------------------------------------------------------------------


def _reconcile_filters(request):
    cooperatives = sel.cooperatives_scope(request.user).order_by("code")
    scope = sel.control_files_scope(request.user)
    coop = _int(request.GET.get("cooperative"))
    officer = _int(request.GET.get("officer"))
    if coop:
        scope = scope.filter(cooperative_id=coop)
    if officer:
        scope = scope.filter(officer_id=officer)
    rows = reconcile.reconciliation_rows(scope)
    return rows, cooperatives, coop, officer


@roles_required(*RECONCILE_READERS)
def reconcile_list(request):
    rows, cooperatives, coop, officer = _reconcile_filters(request)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    by_officer = reconcile.reconciliation_summary(rows, "officer")
    user = request.user
    writable = may_write(user) and user.has_role(*BALANCE_WRITERS)
    return render(
        request,
        "archives/reconcile_list.html",
        {
            "page": page,
            "by_cooperative": reconcile.reconciliation_summary(rows, "cooperative"),
            "by_officer": by_officer,
            "cooperatives": cooperatives,
            "officers": [(o["officer_id"], o["officer__name"]) for o in by_officer],
            "cooperative": coop,
            "officer": officer,
            "imports": reconcile.latest_imports(cooperatives.values_list("pk", flat=True)),
            "may_record": writable,
            "may_import": may_write(user) and user.has_role(*IMPORTERS),
        },
    )


def _money(value):
    return value if value is not None else ""


@roles_required(*RECONCILE_READERS)
def reconcile_export(request):
    rows, _coops, _coop, _officer = _reconcile_filters(request)
    month = timezone.localdate().strftime("%Y-%m")
    title = _("档案余额核对月报")
    wb = Workbook(write_only=True)
    summary_columns = [
        _("信用社"),
        _("差异档案数"),
        _("与贷款台账不符"),
        _("台账差额合计（元）"),
        _("与会计余额不符"),
        _("会计差额合计（元）"),
    ]
    write_table(
        wb.create_sheet(_("按信用社汇总")),
        title=title,
        scope=month,
        columns=summary_columns,
        rows=(
            (
                s["cooperative__name"],
                s["files"],
                s["ledger_count"],
                s["ledger_total"],
                s["accounting_count"],
                s["accounting_total"],
            )
            for s in reconcile.reconciliation_summary(rows, "cooperative")
        ),
    )
    write_table(
        wb.create_sheet(_("按信贷员汇总")),
        title=title,
        scope=month,
        columns=[_("主办信贷员"), *summary_columns],
        rows=(
            (
                s["officer__name"] or _("（未指定）"),
                s["cooperative__name"],
                s["files"],
                s["ledger_count"],
                s["ledger_total"],
                s["accounting_count"],
                s["accounting_total"],
            )
            for s in reconcile.reconciliation_summary(rows, "officer")
        ),
    )
    write_table(
        wb.create_sheet(_("差异明细")),
        title=title,
        scope=month,
        columns=[
            _("信用社"),
            _("档案号"),
            _("合同编号"),
            _("借款人"),
            _("主办信贷员（负责更正）"),
            _("档案记载余额"),
            _("贷款台账余额"),
            _("会计余额"),
            _("与台账差额"),
            _("与会计差额"),
        ],
        rows=(
            (
                f.cooperative.name,
                f.archive_number,
                f.contract_number,
                f.borrower_name,
                f.officer.name if f.officer else "",
                f.recorded_balance,
                f.ledger,
                _money(f.accounting) if f.import_id else _("（未导入）"),
                f.ledger_diff,
                f.accounting_diff if f.import_id else "",
            )
            for f in rows.iterator(chunk_size=2000)
        ),
    )
    return workbook_response(wb, f"档案余额核对月报{month}.xlsx")


@roles_required(*IMPORTERS, write=True)
def accounting_import(request):
    user = request.user
    if user.cooperative_id is None:
        raise PermissionDenied(_("会计余额由信用社导入。"))
    form = AccountingImportForm(request.POST or None, request.FILES or None)
    row_errors = []
    if request.method == "POST" and form.is_valid():
        try:
            source = reconcile.accounting_import(
                actor=user,
                cooperative=user.cooperative,
                as_of=form.cleaned_data["as_of"],
                upload=form.cleaned_data["upload"],
            )
        except DomainError as e:
            row_errors = e.errors.get("rows", [])
            add_to_form(form, e)
        else:
            messages.success(
                request,
                _("已导入会计余额 %(n)s 行（%(d)s）。")
                % {"n": source.row_count, "d": source.as_of},
            )
            return redirect("archives:reconcile")
    recent = AccountingImport.objects.filter(cooperative_id=user.cooperative_id).select_related(
        "uploaded_by"
    )[:10]
    return render(
        request,
        "archives/reconcile_import.html",
        {"form": form, "row_errors": row_errors, "recent": recent},
    )


@require_POST
@roles_required(*BALANCE_WRITERS, write=True)
def balance_record(request, pk):
    file = sel.control_file_get(request.user, pk)
    form = BalanceForm(request.POST)
    if form.is_valid():
        try:
            reconcile.balance_record(
                file=file, actor=request.user, balance=form.cleaned_data["balance"]
            )
        except DomainError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, _("已登记档案 %(f)s 的余额。") % {"f": file})
    else:
        messages.error(request, _("请填写档案记载余额。"))
    return redirect("archives:reconcile")


# ---------------------------------------------------------------------------
# Destruction
# ---------------------------------------------------------------------------


@roles_required(*DESTRUCTION_READERS)
def destruction_list(request):
    qs = (
        sel.destruction_scope(request.user)
        .select_related("cooperative", "created_by", "approved_by")
        .annotate(file_count=Count("lines"))
    )
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    if status in DestructionBatch.Status.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(number=q.upper()) | Q(lines__file__archive_number=q)).distinct()
    page = Paginator(qs.order_by("-created_at", "-id"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "archives/destruction_list.html",
        {
            "page": page,
            "status": status,
            "q": q,
            "statuses": DestructionBatch.Status.choices,
            "may_create": may_write(request.user) and request.user.has_role(Role.ARCHIVIST),
        },
    )


def _candidates(user, q=""):
    """Files of the room whose retention is over: what the archivist may list."""
    today = timezone.localdate()
    qs = ArchiveFile.objects.filter(
        cooperative_id=user.cooperative_id,
        status=FileStatus.IN_ROOM,
        keep_until__lt=today,
        in_litigation=False,
    )
    if q:
        qs = qs.filter(Q(archive_number__startswith=q) | Q(borrower_name__startswith=q))
    return qs.order_by("keep_until", "archive_number")


@roles_required(Role.ARCHIVIST, write=True)
def destruction_create(request):
    user = request.user
    if user.cooperative_id is None:
        raise PermissionDenied(_("销毁清单由信用社档案管理员编制。"))
    form = DestructionCreateForm(request.POST or None)
    q = request.GET.get("q", "").strip()
    if request.method == "POST" and form.is_valid():
        try:
            batch = retention.destruction_create(
                actor=user,
                cooperative=user.cooperative,
                file_ids=form.cleaned_data["files"],
                note=form.cleaned_data["note"],
            )
        except DomainError as e:
            add_to_form(form, e)
        else:
            messages.success(
                request, _("已编制销毁清单 %(n)s，请报主任批准。") % {"n": batch.number}
            )
            return redirect("archives:destruction_detail", batch.pk)
    page = Paginator(_candidates(user, q), 100).get_page(request.GET.get("page"))
    chosen = set(form.cleaned_data.get("files", [])) if form.is_bound and form.is_valid() else set()
    return render(
        request,
        "archives/destruction_create.html",
        {"form": form, "page": page, "q": q, "chosen": chosen},
    )


def _may_approve(user, batch):
    return (
        may_write(user)
        and user.has_role(Role.DIRECTOR)
        and user.cooperative_id == batch.cooperative_id
        and batch.created_by_id != user.pk
    )


def _is_archivist_of(user, batch):
    return (
        may_write(user)
        and user.has_role(Role.ARCHIVIST)
        and user.cooperative_id == batch.cooperative_id
    )


@roles_required(*DESTRUCTION_READERS)
def destruction_detail(request, pk):
    batch = sel.destruction_get(request.user, pk)
    user = request.user
    files = [line.file for line in batch.lines.select_related("file__officer").order_by("file_id")]
    open_batch = batch.status in (DestructionBatch.Status.DRAFT, DestructionBatch.Status.APPROVED)
    refusals = (
        retention.destruction_refusals(files, today=timezone.localdate(), batch=batch)
        if open_batch
        else {}
    )
    destroy_form = None
    if batch.status == DestructionBatch.Status.APPROVED and _is_archivist_of(user, batch):
        destroy_form = DestructionDestroyForm(supervisors=retention.supervisors_for(batch, user))
    return render(
        request,
        "archives/destruction_detail.html",
        {
            "batch": batch,
            "rows": [(f, refusals.get(f.pk, [])) for f in files],
            "may_approve": batch.status == DestructionBatch.Status.DRAFT
            and _may_approve(user, batch),
            "destroy_form": destroy_form,
            "may_cancel": open_batch
            and (
                _is_archivist_of(user, batch)
                or (
                    may_write(user)
                    and user.has_role(Role.DIRECTOR)
                    and user.cooperative_id == batch.cooperative_id
                )
            ),
            "cancel_form": CancelForm(),
        },
    )


@roles_required(*DESTRUCTION_READERS)
def destruction_print(request, pk):
    batch = sel.destruction_get(request.user, pk)
    lines = batch.lines.select_related("file").order_by("file__archive_number", "file_id")
    return render(request, "archives/destruction_print.html", {"batch": batch, "lines": lines})


@require_POST
@roles_required(Role.DIRECTOR, write=True)
def destruction_approve(request, pk):
    batch = sel.destruction_get(request.user, pk)
    try:
        retention.destruction_approve(actor=request.user, batch=batch)
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("已批准销毁清单。"))
    return redirect("archives:destruction_detail", batch.pk)


@require_POST
@roles_required(Role.ARCHIVIST, write=True)
def destruction_destroy(request, pk):
    batch = sel.destruction_get(request.user, pk)
    form = DestructionDestroyForm(
        request.POST, supervisors=retention.supervisors_for(batch, request.user)
    )
    if form.is_valid():
        try:
            retention.destruction_destroy(
                actor=request.user,
                batch=batch,
                supervisor=form.cleaned_data["supervisor"],
                destroyed_on=form.cleaned_data["destroyed_on"],
                method=form.cleaned_data["method"],
            )
        except DomainError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, _("已在监销人监督下销毁，档案状态已改为已销毁。"))
    else:
        messages.error(request, "；".join(str(m) for ms in form.errors.values() for m in ms))
    return redirect("archives:destruction_detail", batch.pk)


@require_POST
@roles_required(Role.ARCHIVIST, Role.DIRECTOR, write=True)
def destruction_cancel(request, pk):
    batch = sel.destruction_get(request.user, pk)
    form = CancelForm(request.POST)
    form.is_valid()
    try:
        retention.destruction_cancel(
            actor=request.user, batch=batch, reason=form.cleaned_data.get("reason", "")
        )
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("已撤销销毁清单。"))
    return redirect("archives:destruction_detail", batch.pk)


# ---------------------------------------------------------------------------
# Inspections
# ---------------------------------------------------------------------------


@roles_required(*INSPECTION_READERS)
def inspection_list(request):
    user = request.user
    year = _int(request.GET.get("year")) or timezone.localdate().year
    cooperatives = sel.cooperatives_scope(user).order_by("code")
    coop = _int(request.GET.get("cooperative"))
    qs = (
        sel.inspection_scope(user)
        .select_related("cooperative", "recorded_by")
        .annotate(
            finding_count=Count("findings"),
            open_count=Count("findings", filter=Q(findings__status="open")),
        )
        .filter(inspected_on__year=year)
    )
    if coop:
        qs = qs.filter(cooperative_id=coop)
    page = Paginator(qs.order_by("-inspected_on", "-id"), 30).get_page(request.GET.get("page"))
    shown = [c for c in cooperatives if not coop or c.pk == coop]
    summaries = [(c, inspections.inspection_summary(c, year)) for c in shown[:50]]
    return render(
        request,
        "archives/inspection_list.html",
        {
            "page": page,
            "year": year,
            "cooperatives": cooperatives,
            "cooperative": coop,
            "summaries": summaries,
            "may_create": may_write(user) and user.has_role(*inspections.INSPECTOR_ROLES),
        },
    )


@roles_required(*inspections.INSPECTOR_ROLES, write=True)
def inspection_create(request):
    user = request.user
    cooperatives = sel.cooperatives_scope(user).order_by("code")
    form = InspectionForm(request.POST or None, cooperatives=cooperatives)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            inspection = inspections.inspection_record(
                actor=user,
                cooperative=d["cooperative"],
                inspected_on=d["inspected_on"],
                inspectors=d["inspectors"],
                scope=d["scope"],
                summary=d["summary"],
                findings=d["findings"],
            )
        except DomainError as e:
            add_to_form(form, e)
        else:
            messages.success(request, _("已登记档案检查。"))
            return redirect("archives:inspection_detail", inspection.pk)
    return render(request, "archives/inspection_create.html", {"form": form})


@roles_required(*INSPECTION_READERS)
def inspection_detail(request, pk):
    inspection = sel.inspection_get(request.user, pk)
    findings = inspection.findings.select_related("file", "rectified_by").order_by("id")
    user = request.user
    rows = [
        (f, f.status == InspectionFinding.Status.OPEN and inspections.may_rectify(user, f))
        for f in findings
    ]
    return render(
        request,
        "archives/inspection_detail.html",
        {
            "inspection": inspection,
            "rows": rows,
            "writable": may_write(user),
            "rectify_form": RectifyForm(initial={"rectified_on": timezone.localdate()}),
        },
    )


@require_POST
@roles_required(*RECTIFIERS, write=True)
def finding_rectify(request, pk):
    finding = sel.finding_get(request.user, pk)
    form = RectifyForm(request.POST)
    if form.is_valid():
        try:
            inspections.finding_rectify(
                actor=request.user,
                finding=finding,
                rectification=form.cleaned_data["rectification"],
                rectified_on=form.cleaned_data["rectified_on"],
            )
        except DomainError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, _("已登记整改情况。"))
    else:
        messages.error(request, _("请写明整改情况和整改日期。"))
    return redirect("archives:inspection_detail", finding.inspection_id)


urlpatterns = [
    path("reconcile/", reconcile_list, name="reconcile"),
    path("reconcile/export/", reconcile_export, name="reconcile_export"),
    path("reconcile/accounting/", accounting_import, name="accounting_import"),
    path("reconcile/files/<int:pk>/balance/", balance_record, name="balance_record"),
    path("destruction/", destruction_list, name="destruction_list"),
    path("destruction/new/", destruction_create, name="destruction_create"),
    path("destruction/<int:pk>/", destruction_detail, name="destruction_detail"),
    path("destruction/<int:pk>/print/", destruction_print, name="destruction_print"),
    path("destruction/<int:pk>/approve/", destruction_approve, name="destruction_approve"),
    path("destruction/<int:pk>/destroy/", destruction_destroy, name="destruction_destroy"),
    path("destruction/<int:pk>/cancel/", destruction_cancel, name="destruction_cancel"),
    path("inspections/", inspection_list, name="inspection_list"),
    path("inspections/new/", inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", inspection_detail, name="inspection_detail"),
    path("inspections/findings/<int:pk>/rectify/", finding_rectify, name="finding_rectify"),
]
