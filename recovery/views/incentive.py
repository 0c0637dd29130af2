"""Pages of recovery incentives (issue #14 points 5–7): the bands, the monthly slips with
their compute / check / pay steps and the payout Excel, officer targets and results, the
yearly risk deposits, and the two coordination lists for the local government."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.errors import DomainError
from creditcoop.exports import xlsx_response
from creditcoop.models import Role
from creditcoop.permissions import roles_required

from .. import board
from .. import selectors_incentive as sel
from ..models import IncentiveSlip, NplRecord, RiskDeposit
from ..services import incentive as svc
from ._roles import READERS

LEADERS = (Role.DIRECTOR, Role.DEPUTY, Role.ADMIN)
COMPUTERS = (Role.DIRECTOR, Role.DEPUTY, Role.UNION_ASSET, Role.UNION_RISK, Role.ADMIN)
CHECKERS = (Role.DIRECTOR, Role.UNION_RISK, Role.ADMIN)


def _last_month():
    today = timezone.localdate()
    return board.month_start(board.month_start(today) - timedelta(days=1))


def _month(request, data=None):
    data = data if data is not None else request.GET
    return board.parse_month(data.get("month"), _last_month())


def _coop(request, data=None):
    data = data if data is not None else request.GET
    coop = sel.pick_cooperative(request.user, data.get("coop") or request.GET.get("coop"))
    if coop is None:
        raise Http404(_("未找到该信用社。"))
    return coop


def _slips_url(coop, month) -> str:
    return reverse("recovery:incentive_slips") + f"?coop={coop.pk}&month={month:%Y-%m}"


# --- bands and slips -------------------------------------------------------------------------


@roles_required(*READERS)
def incentive_bands(request):
    from ..models import RecoveryPolicy

    policy = RecoveryPolicy.current(request.user.union_id) if request.user.union_id else None
    return render(
        request,
        "recovery/incentive_bands.html",
        {"bands": sel.bands(request.user), "policy": policy, "tab": "incentive"},
    )


@roles_required(*READERS)
def incentive_slips(request):
    user = request.user
    coop, month = _coop(request), _month(request)
    status = request.GET.get("status", "")
    q = (request.GET.get("q") or "").strip()
    page, totals = sel.slips_page(
        user=user,
        cooperative=coop,
        month=month,
        status=status,
        q=q,
        page=request.GET.get("page"),
    )
    return render(
        request,
        "recovery/incentive_slips.html",
        {
            "coop": coop,
            "cooperatives": sel.cooperatives_of(user),
            "month": month,
            "status": status,
            "q": q,
            "page_obj": page,
            "totals": totals,
            "statuses": IncentiveSlip.Status.choices,
            "may_compute": svc.may_compute(user, coop),
            "may_check": svc.may_check(user, coop),
            "tab": "incentive",
        },
    )


@roles_required(*COMPUTERS, write=True)
def incentive_compute(request):
    if request.method != "POST":
        return redirect("recovery:incentive_slips")
    coop, month = _coop(request, request.POST), _month(request, request.POST)
    whole_union = request.POST.get("scope") == "union" and request.user.is_union_wide
    try:
        result = svc.incentive_slips_compute(
            actor=request.user,
            month=month,
            cooperative=None if whole_union else coop,
            union=request.user.union_id,
        )
    except DomainError as e:
        messages.error(request, e.message)
        return redirect(_slips_url(coop, month))
    messages.success(
        request,
        _("已计算 %(n)s 张收回信息单，合计 %(t)s 元。")
        % {"n": result["computed"], "t": result["total"]},
    )
    if result["skipped"]:
        names = "、".join(
            f"{s.collector.name}（{s.get_status_display()}）" for s in result["skipped"]
        )
        messages.warning(
            request,
            _("以下收回信息单已审核，未重新计算，保持原数：%(names)s。") % {"names": names},
        )
    return redirect(_slips_url(coop, month))


@roles_required(*READERS)
def incentive_slip(request, pk):
    slip = sel.slip_get(request.user, pk)
    return render(
        request,
        "recovery/incentive_slip.html",
        {
            "slip": slip,
            "lines": list(slip.lines.order_by("kind", "band__position", "band_name")),
            "may_check": svc.may_check(request.user, slip.cooperative)
            and request.user.pk != slip.collector_id,
            "today": timezone.localdate(),
            "tab": "incentive",
        },
    )


def _slip_step(request, pk, step):
    slip = sel.slip_get(request.user, pk)
    if request.method == "POST":
        try:
            if step == "check":
                svc.incentive_slip_check(actor=request.user, slip=slip)
                messages.success(request, _("已审核，收回信息单不再变动。"))
            else:
                svc.incentive_slip_pay(actor=request.user, slip=slip)
                messages.success(request, _("已登记发放。"))
        except DomainError as e:
            messages.error(request, e.message)
    return redirect("recovery:incentive_slip", slip.pk)


@roles_required(*CHECKERS, write=True)
def incentive_slip_check(request, pk):
    return _slip_step(request, pk, "check")


@roles_required(*CHECKERS, write=True)
def incentive_slip_pay(request, pk):
    return _slip_step(request, pk, "pay")


@roles_required(*READERS)
def incentive_payout(request):
    """The payout list in Excel: the month's checked and paid slips of one cooperative."""
    coop, month = _coop(request), _month(request)
    slips = list(sel.payout_rows(user=request.user, cooperative=coop, month=month))
    rows = [
        (
            i,
            s.collector.username,
            s.collector.name,
            s.band_amount,
            s.notices,
            s.plans,
            s.document_amount,
            s.total,
            s.get_status_display(),
            s.checked_by.name if s.checked_by else "",
            "",
        )
        for i, s in enumerate(slips, start=1)
    ]
    rows.append(
        (
            _("合计"),
            "",
            "",
            sum((s.band_amount for s in slips), Decimal("0.00")),
            sum(s.notices for s in slips),
            sum(s.plans for s in slips),
            sum((s.document_amount for s in slips), Decimal("0.00")),
            sum((s.total for s in slips), Decimal("0.00")),
            "",
            "",
            "",
        )
    )
    return xlsx_response(
        filename=f"清收奖励发放表{coop.code}{month:%Y%m}.xlsx",
        title=_("清收奖励发放表"),
        scope=f"{coop.name} {month:%Y年%m月}",
        columns=[
            (_("序号"), 6),
            (_("工号"), 10),
            (_("清收人"), 10),
            (_("收回奖励（元）"), 14),
            (_("签收通知书（份）"), 10),
            (_("还款计划（份）"), 10),
            (_("文书奖励（元）"), 12),
            (_("应发合计（元）"), 14),
            (_("状态"), 8),
            (_("审核人"), 10),
            (_("领取人签字"), 14),
        ],
        rows=rows,
    )


# --- targets and results -------------------------------------------------------------------


def _targets_month(request, data=None):
    data = data if data is not None else request.GET
    return board.parse_month(data.get("month"), timezone.localdate())


@roles_required(*LEADERS)
def officer_targets(request):
    """The bulk form: every officer of the cooperative on one page for one month."""
    from ..models import OfficerTarget

    data = request.POST if request.method == "POST" else request.GET
    coop, month = _coop(request, data), _targets_month(request, data)
    officers = svc.target_officers(coop)
    current = {t.officer_id: t for t in OfficerTarget.objects.filter(cooperative=coop, month=month)}
    error = ""
    if request.method == "POST":
        rows = {}
        for o in officers:
            rows[o.pk] = {
                k: (request.POST.get(f"{k}_{o.pk}") or "").strip()
                for k in ("principal", "interest", "maturity_rate", "interest_rate")
            }
        try:
            svc.officer_targets_save(actor=request.user, cooperative=coop, month=month, rows=rows)
            messages.success(request, _("已下达 %(m)s 的清收任务。") % {"m": f"{month:%Y年%m月}"})
            return redirect(
                reverse("recovery:officer_results") + f"?coop={coop.pk}&month={month:%Y-%m}"
            )
        except DomainError as e:
            error = e.message
    lines = []
    for o in officers:
        t = current.get(o.pk)
        values = {
            k: request.POST.get(f"{k}_{o.pk}", "")
            if request.method == "POST"
            else ("" if t is None or getattr(t, k) is None else getattr(t, k))
            for k in ("principal", "interest", "maturity_rate", "interest_rate")
        }
        lines.append({"officer": o, "values": values})
    return render(
        request,
        "recovery/officer_targets.html",
        {
            "coop": coop,
            "cooperatives": sel.cooperatives_of(request.user),
            "month": month,
            "lines": lines,
            "error": error,
            "may_edit": svc.may_set_targets(request.user, coop)
            and month >= board.month_start(timezone.localdate()),
            "tab": "targets",
        },
    )


@roles_required(*READERS)
def officer_results(request):
    coop, month = _coop(request), _targets_month(request)
    rows = sel.targets_vs_results(
        user=request.user, cooperative=coop, month=month, today=timezone.localdate()
    )
    return render(
        request,
        "recovery/officer_results.html",
        {
            "coop": coop,
            "cooperatives": sel.cooperatives_of(request.user),
            "month": month,
            "rows": rows,
            "may_edit": svc.may_set_targets(request.user, coop),
            "tab": "targets",
        },
    )


# --- risk deposits -----------------------------------------------------------------------------


def _year(data, default):
    text = (data.get("year") or "").strip()
    return int(text) if text.isdigit() and 1990 <= int(text) <= 2100 else default


@roles_required(*READERS)
def risk_deposits(request):
    coop = _coop(request)
    today = timezone.localdate()
    year = _year(request.GET, today.year - 1)
    deposits = list(
        sel.deposit_scope(request.user)
        .filter(cooperative=coop, year=year)
        .select_related("officer", "decided_by")
        .order_by("officer__username")
    )
    return render(
        request,
        "recovery/risk_deposits.html",
        {
            "coop": coop,
            "cooperatives": sel.cooperatives_of(request.user),
            "year": year,
            "deposits": deposits,
            "may_compute": svc.may_set_targets(request.user, coop),
            "may_decide": svc.may_decide_deposit(request.user, coop) and year < today.year,
            "statuses": RiskDeposit.Status,
            "tab": "deposits",
        },
    )


@roles_required(*LEADERS, write=True)
def risk_deposit_compute(request):
    coop = _coop(request, request.POST)
    year = _year(request.POST, timezone.localdate().year - 1)
    back = reverse("recovery:risk_deposits") + f"?coop={coop.pk}&year={year}"
    if request.method == "POST":
        try:
            n = svc.risk_deposits_compute(actor=request.user, cooperative=coop, year=year)
            messages.success(request, _("已计提 %(n)s 名信贷员的风险保证金。") % {"n": n})
        except DomainError as e:
            messages.error(request, e.message)
    return redirect(back)


@roles_required(Role.DIRECTOR, Role.ADMIN, write=True)
def risk_deposit_decide(request, pk):
    deposit = sel.deposit_get(request.user, pk)
    back = reverse("recovery:risk_deposits") + f"?coop={deposit.cooperative_id}&year={deposit.year}"
    if request.method == "POST":
        forfeited = (request.POST.get("forfeited") or "").strip()
        try:
            amount = Decimal(forfeited) if forfeited else None
        except InvalidOperation:
            amount = Decimal("-1")
        try:
            svc.risk_deposit_decide(
                actor=request.user,
                deposit=deposit,
                outcome=request.POST.get("outcome", ""),
                forfeited=amount,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("已记录决定。"))
        except DomainError as e:
            messages.error(request, e.message)
    return redirect(back)


# --- coordination lists -------------------------------------------------------------------------


def _coord_filters(request):
    return {
        "cooperative": (request.GET.get("cooperative") or "").strip(),
        "q": (request.GET.get("q") or "").strip(),
    }


@roles_required(*READERS)
def coord_civil_servants(request):
    f = _coord_filters(request)
    if request.GET.get("export") == "xlsx":
        rows = sel.civil_servant_records(request.user, **f).select_related("cooperative")
        return xlsx_response(
            filename="公职人员欠款名单.xlsx",
            title=_("公职人员拖欠信用社贷款名单（按工作单位）"),
            columns=[
                (_("工作单位"), 24),
                (_("借款人"), 10),
                (_("身份证号码"), 20),
                (_("信用社"), 14),
                (_("借据编号"), 16),
                (_("放款日期"), 12),
                (_("本金余额（元）"), 14),
                (_("欠息及罚息（元）"), 14),
                (_("合计（元）"), 14),
            ],
            rows=(
                (
                    r.employer,
                    r.borrower_name,
                    r.borrower_id_number,
                    r.cooperative.name,
                    r.loan_number,
                    r.drawn_on,
                    r.principal_owed,
                    r.interest_owed + r.penalty_owed,
                    r.total_owed,
                )
                for r in rows.order_by("employer", "borrower_name", "id").iterator(chunk_size=500)
            ),
        )
    page, totals = sel.civil_servants_page(request.user, **f, page=request.GET.get("page"))
    return render(
        request,
        "recovery/coord_civil_servants.html",
        {
            "f": f,
            "page_obj": page,
            "totals": totals,
            "cooperatives": sel.cooperatives_of(request.user),
            "tab": "coord",
        },
    )


@roles_required(*READERS)
def coord_enterprises(request):
    f = _coord_filters(request) | {"status": (request.GET.get("status") or "").strip()}
    if request.GET.get("export") == "xlsx":
        rows = sel.enterprise_records(request.user, **f)
        return xlsx_response(
            filename="解散改制企业欠款名单.xlsx",
            title=_("已解散、改制或转让企业拖欠信用社贷款名单"),
            columns=[
                (_("企业名称"), 24),
                (_("企业状态"), 12),
                (_("承继债务的单位或个人"), 24),
                (_("继承人或承继单位"), 24),
                (_("信用社"), 14),
                (_("借据编号"), 16),
                (_("本金余额（元）"), 14),
                (_("欠息及罚息（元）"), 14),
            ],
            rows=(
                (
                    r.borrower_name,
                    r.get_enterprise_status_display(),
                    r.successor,
                    r.heirs,
                    r.cooperative.name,
                    r.loan_number,
                    r.principal_owed,
                    r.interest_owed + r.penalty_owed,
                )
                for r in rows.iterator(chunk_size=500)
            ),
        )
    page, totals = sel.enterprises_page(request.user, **f, page=request.GET.get("page"))
    return render(
        request,
        "recovery/coord_enterprises.html",
        {
            "f": f,
            "page_obj": page,
            "totals": totals,
            "statuses": [
                (s.value, s.label)
                for s in (
                    NplRecord.EnterpriseStatus.DISSOLVED,
                    NplRecord.EnterpriseStatus.TRANSFERRED,
                )
            ],
            "cooperatives": sel.cooperatives_of(request.user),
            "tab": "coord",
        },
    )


urlpatterns = [
    path("incentive/bands/", incentive_bands, name="incentive_bands"),
    path("incentive/slips/", incentive_slips, name="incentive_slips"),
    path("incentive/slips/compute/", incentive_compute, name="incentive_compute"),
    path("incentive/slips/<int:pk>/", incentive_slip, name="incentive_slip"),
    path("incentive/slips/<int:pk>/check/", incentive_slip_check, name="incentive_slip_check"),
    path("incentive/slips/<int:pk>/pay/", incentive_slip_pay, name="incentive_slip_pay"),
    path("incentive/payout/", incentive_payout, name="incentive_payout"),
    path("targets/", officer_targets, name="officer_targets"),
    path("targets/results/", officer_results, name="officer_results"),
    path("deposits/", risk_deposits, name="risk_deposits"),
    path("deposits/compute/", risk_deposit_compute, name="risk_deposit_compute"),
    path("deposits/<int:pk>/decide/", risk_deposit_decide, name="risk_deposit_decide"),
    path("coordination/civil-servants/", coord_civil_servants, name="coord_civil_servants"),
    path("coordination/enterprises/", coord_enterprises, name="coord_enterprises"),
]
