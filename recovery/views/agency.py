"""Pages of entrusted collection (托管清收): the firms and their white list, packages (with
a preview of the filters), a package's lines, deposit and hand-overs, the hand-over form and
the quarterly fee list matched with the invoice."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.errors import DomainError, add_to_form
from creditcoop.models import Role, Staff
from creditcoop.permissions import roles_required
from villages.models import Village

from .. import selectors
from .. import selectors_agency as sa
from ..forms_agency import (
    AgencyForm,
    FeeComputeForm,
    HandoverForm,
    InvoiceForm,
    PackageForm,
    SettleForm,
)
from ..models import AgencyHandover, AgencyPackage, RecoveryPolicy
from ..services import agency as services
from ._roles import MANAGERS, PURSUERS, READERS

# Who keeps the list of firms and approves the white list (L20).
AGENCY_KEEPERS = (
    Role.DIRECTOR,
    Role.DEPUTY,
    Role.UNION_ASSET,
    Role.UNION_RISK,
    Role.AUDITOR,
    Role.ADMIN,
)
APPROVERS = (Role.UNION_ASSET, Role.DIRECTOR, Role.ADMIN)
# The package page and the hand-over form are the firm's too (its own packages only).
PACKAGE_READERS = (*READERS, Role.AGENCY)
HANDOVER_WRITERS = (*PURSUERS, Role.AGENCY)


@roles_required(*AGENCY_KEEPERS)
def agency_list(request):
    user = request.user
    form = AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agency = services.agency_create(actor=user, union=user.union_id, **form.cleaned_data)
            messages.success(request, _("已登记 %(a)s，待批准列入白名单。") % {"a": agency.name})
            return redirect("recovery:agency_list")
        except DomainError as exc:
            add_to_form(form, exc)
    q = (request.GET.get("q") or "").strip()
    agencies = sa.agency_scope(user).select_related("whitelisted_by")
    if q:
        agencies = agencies.filter(Q(name__contains=q) | Q(licence_number=q.upper()))
    if request.GET.get("whitelisted") in ("1", "0"):
        agencies = agencies.filter(whitelisted=request.GET["whitelisted"] == "1")
    agencies = agencies.annotate(
        live_packages=Count("packages", filter=Q(packages__status=AgencyPackage.Status.ACTIVE))
    )
    return render(
        request,
        "recovery/agency_list.html",
        {
            "page": Paginator(agencies.order_by("name", "id"), 30).get_page(
                request.GET.get("page")
            ),
            "form": form,
            "q": q,
            "whitelisted": request.GET.get("whitelisted", ""),
            "may_create": services.may_run_agencies(user, user.union_id),
            "may_approve": user.has_role(*APPROVERS) and not user.is_read_only,
        },
        status=400 if request.method == "POST" else 200,
    )


@roles_required(*APPROVERS, write=True)
def agency_whitelist(request, pk):
    from creditcoop.scoping import get_in_scope

    agency = get_in_scope(sa.agency_scope(request.user), pk, _("未找到该机构。"))
    try:
        services.agency_whitelist(actor=request.user, agency=agency)
        messages.success(request, _("%(a)s 已列入白名单。") % {"a": agency.name})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("recovery:agency_list")


@roles_required(*READERS)
def agency_package_list(request):
    qs = sa.package_scope(request.user).select_related("agency", "cooperative", "staff")
    status = request.GET.get("status", "")
    if status in AgencyPackage.Status.values:
        qs = qs.filter(status=status)
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(number=q.upper()) | Q(agency__name__contains=q))
    qs = qs.annotate(n=Count("lines"))
    return render(
        request,
        "recovery/agency_packages.html",
        {
            "page": Paginator(qs.order_by("-id"), 30).get_page(request.GET.get("page")),
            "statuses": AgencyPackage.Status.choices,
            "status": status,
            "q": q,
        },
    )


def _package_form(request, user):
    policy = RecoveryPolicy.current(user.union_id)
    cooperatives = selectors.npl_cooperatives(user).order_by("code")
    if not user.is_union_wide:
        cooperatives = cooperatives.filter(pk=user.cooperative_id)
    agencies = sa.agency_scope(user).filter(whitelisted=True)
    staff = Staff.objects.filter(cooperative__in=cooperatives, is_active=True).exclude(
        roles__contains=[Role.AGENCY]
    )
    today = timezone.localdate()
    initial = {
        "drawn_before": policy.agency_drawn_before,
        "deposit": policy.agency_deposit,
        "fee_pct": policy.agency_fee_pct,
        "starts_on": today,
        "ends_on": today.replace(year=today.year + 2),
    }
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = PackageForm(
        data,
        initial=initial,
        agencies=agencies,
        cooperatives=cooperatives,
        villages=Village.objects.filter(cooperative__in=cooperatives).order_by("code"),
        staff=staff.order_by("username"),
    )
    return form


@roles_required(*MANAGERS, write=True)
def agency_package_create(request):
    user = request.user
    form = _package_form(request, user)
    preview = None
    if form.is_bound and form.is_valid():
        c = form.cleaned_data
        if request.method == "POST":
            try:
                package = services.package_create(
                    actor=user,
                    agency=c["agency"],
                    cooperative=c["cooperative"],
                    drawn_before=c["drawn_before"],
                    village=c["village"],
                    book_status=c["book_status"],
                    staff=c["staff"],
                    starts_on=c["starts_on"],
                    ends_on=c["ends_on"],
                    deposit=c["deposit"],
                    fee_pct=c["fee_pct"],
                )
                messages.success(
                    request,
                    _("已建立托管资产包 %(n)s，共 %(c)s 笔。")
                    % {"n": package.number, "c": package.lines.count()},
                )
                return redirect("recovery:agency_package_detail", package.pk)
            except DomainError as exc:
                add_to_form(form, exc)
        found = services.package_candidates(
            union_id=user.union_id,
            cooperative=c["cooperative"],
            drawn_before=c["drawn_before"],
            village=c["village"],
            book_status=c["book_status"],
        )
        records = found.records.filter(pk__in=selectors.npl_scope(user).values("pk"))
        totals = records.aggregate(n=Count("pk"), p=Sum("principal_owed"), i=Sum("interest_owed"))
        preview = {
            "totals": totals,
            "rows": records.select_related("village").order_by("drawn_on", "pk")[:30],
            "litigated": found.litigated,
            "elsewhere": found.elsewhere,
        }
    return render(
        request,
        "recovery/agency_package_form.html",
        {"form": form, "preview": preview},
        status=400 if request.method == "POST" else 200,
    )


def _package_page(request, package, *, form=None, status=200):
    user = request.user
    today = timezone.localdate()
    lines = Paginator(
        package.lines.select_related("record__village").order_by("record__loan_number", "pk"), 30
    ).get_page(request.GET.get("page"))
    handovers = list(package.handovers.select_related("record").order_by("-collected_on", "-id"))
    for h in handovers:
        h.elapsed = h.days_elapsed(today)
        if h.settlement == AgencyHandover.Settlement.OPEN:
            h.interest_now = services.late_charges(package, h.amount, h.elapsed)
            h.overdue = h.elapsed > package.deduct_after_days
    is_member = services.is_agency_member(user, package)
    may_run = services.may_run_package(user, package)
    may_settle = may_run or (package.staff_id == user.pk and not user.is_read_only)
    return render(
        request,
        "recovery/agency_package_detail.html",
        {
            "package": package,
            "lines": lines,
            "handovers": handovers,
            "today": today,
            "may_report": package.live and (is_member or may_settle),
            "may_settle": may_settle,
            "may_run": may_run,
            "settle_form": SettleForm(initial={"on": today}),
            "form": form or _handover_form(package, None),
            "owed": sum((h.owed for h in handovers), 0),
        },
        status=status,
    )


def _handover_form(package, data):
    return HandoverForm(
        data,
        initial={"collected_on": timezone.localdate()},
        records=selectors.NplRecord.objects.filter(
            agency_lines__package=package, agency_lines__live=True
        ).order_by("loan_number"),
    )


@roles_required(*PACKAGE_READERS)
def agency_package_detail(request, pk):
    return _package_page(request, sa.package_get(request.user, pk))


@roles_required(*HANDOVER_WRITERS, write=True)
def agency_handover_add(request, pk):
    package = sa.package_get(request.user, pk)
    if request.method != "POST":
        return _package_page(request, package)
    form = _handover_form(package, request.POST)
    if form.is_valid():
        try:
            services.handover_report(actor=request.user, package=package, **form.cleaned_data)
            messages.success(request, _("已登记收款，请在规定天数内移交信用社。"))
            return redirect("recovery:agency_package_detail", package.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return _package_page(request, package, form=form, status=400)


@roles_required(*PURSUERS, write=True)
def agency_handover_settle(request, pk):
    handover = sa.handover_get(request.user, pk)
    form = SettleForm(request.POST)
    if form.is_valid():
        try:
            h = services.handover_settle(
                actor=request.user, handover=handover, on=form.cleaned_data["on"]
            )
            if h.settlement == AgencyHandover.Settlement.DEPOSIT:
                messages.warning(
                    request,
                    _("逾期 %(d)s 天，已从保证金扣收 %(x)s 元；尚欠 %(o)s 元。")
                    % {"d": h.days_late, "x": h.deducted, "o": h.owed},
                )
            else:
                messages.success(
                    request,
                    _("已确认移交（%(d)s 天），逾期利息 %(i)s 元。")
                    % {"d": h.days_late, "i": h.late_interest},
                )
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("请填写移交日期。"))
    return redirect("recovery:agency_package_detail", handover.package_id)


@roles_required(*AGENCY_KEEPERS)
def agency_fee_list(request, pk):
    package = sa.package_get(request.user, pk)
    today = timezone.localdate()
    form = FeeComputeForm(
        request.POST or None, initial={"year": today.year, "quarter": (today.month - 1) // 3 + 1}
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                fl = services.fee_list_compute(
                    actor=request.user, package=package, **form.cleaned_data
                )
                messages.success(request, _("已编制费用清单。"))
                return redirect("recovery:agency_fee_detail", fl.pk)
            except DomainError as exc:
                add_to_form(form, exc)
    return render(
        request,
        "recovery/agency_fee_lists.html",
        {
            "package": package,
            "form": form,
            "fee_lists": package.fee_lists.order_by("-year", "-quarter"),
            "may_run": services.may_run_package(request.user, package),
        },
        status=400 if request.method == "POST" else 200,
    )


@roles_required(*AGENCY_KEEPERS)
def agency_fee_detail(request, pk):
    fl = sa.fee_list_get(request.user, pk)
    form = InvoiceForm(
        request.POST or None,
        initial={"invoice_number": fl.invoice_number, "invoice_amount": fl.invoice_amount},
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "approve":
                services.fee_approve(actor=request.user, fee_list=fl)
                messages.success(request, _("已审批，发票与清单相符。"))
                return redirect("recovery:agency_fee_detail", fl.pk)
            if form.is_valid():
                services.fee_invoice(actor=request.user, fee_list=fl, **form.cleaned_data)
                messages.success(request, _("已登记发票。"))
                return redirect("recovery:agency_fee_detail", fl.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return render(
        request,
        "recovery/agency_fee_detail.html",
        {
            "fl": fl,
            "package": fl.package,
            "form": form,
            "may_run": services.may_run_package(request.user, fl.package),
        },
        status=400 if request.method == "POST" else 200,
    )


urlpatterns = [
    path("agencies/", agency_list, name="agency_list"),
    path("agencies/<int:pk>/whitelist/", agency_whitelist, name="agency_whitelist"),
    path("agency-packages/", agency_package_list, name="agency_package_list"),
    path("agency-packages/new/", agency_package_create, name="agency_package_create"),
    path("agency-packages/<int:pk>/", agency_package_detail, name="agency_package_detail"),
    path("agency-packages/<int:pk>/handovers/", agency_handover_add, name="agency_handover_add"),
    path(
        "agency-handovers/<int:pk>/settle/", agency_handover_settle, name="agency_handover_settle"
    ),
    path("agency-packages/<int:pk>/fees/", agency_fee_list, name="agency_fee_list"),
    path("agency-fees/<int:pk>/", agency_fee_detail, name="agency_fee_detail"),
]
