"""The recovery board and reports (issue #13 point 9): the stock by class, vintage, cause,
actual user and collector, limitations ending soon, recoveries against the locked
baseline, and the officers' monthly results with their publication. In the page and in
Excel; every figure from `recovery/board.py` (set-based, a constant number of queries)."""

from datetime import timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from creditcoop.errors import DomainError
from creditcoop.exports import workbook_response, write_table
from creditcoop.models import OUTSIDE_ROLES, Role
from creditcoop.permissions import roles_required

from .. import board, selectors, services
from ._roles import MANAGERS, READERS

ALL_STAFF = tuple(r for r in Role.values if r not in OUTSIDE_ROLES)


def _report(request):
    data = board.report(request.user, request.GET.get("coop"), timezone.localdate())
    if data is None:
        raise Http404(_("未找到该信用社。"))
    return data


def _f(value) -> float:
    return float(value or 0)


def _chart(data) -> dict:
    segments = []
    schemes = [block["scheme"].name for block in data["by_segment"]]
    for i, block in enumerate(data["by_segment"]):
        for line in block["lines"]:
            values = [None] * len(schemes)
            values[i] = _f(line.balance)
            segments.append({"label": f"{block['scheme'].name}·{line.label}", "data": values})
    months = data["months"]
    lines = [
        {
            "label": _("累计现金收回本金"),
            "data": [],
        },
        {
            "label": _("累计转贷盘活本金"),
            "data": [],
        },
    ]
    cash = restructured = 0.0
    for m in months:
        cash += _f(m.cash_principal)
        restructured += _f(m.restructured_principal)
        lines[0]["data"].append(cash)
        lines[1]["data"].append(restructured)
    if data["baseline"] is not None:
        lines.append(
            {
                "label": _("年初不良余额基数"),
                "data": [_f(data["baseline"].npl_balance)] * len(months),
            }
        )
        lines.append({"label": _("基数剩余"), "data": [_f(m.remaining) for m in months]})
    return {
        "classes": {
            "labels": [line.label for line in data["by_class"]],
            "data": [_f(line.balance) for line in data["by_class"]],
            "label": _("本金余额（元）"),
        },
        "segments": {"labels": schemes, "datasets": segments},
        "recovery": {"labels": [f"{m.month}月" for m in months], "datasets": lines},
    }


@roles_required(*READERS)
def board_page(request):
    data = _report(request)
    scope = data["scope"]
    base = reverse("recovery:register") + "?"
    if scope.coop:
        base += f"cooperative={scope.coop.pk}&"
    return render(
        request,
        "recovery/board.html",
        data
        | {
            "chart": _chart(data),
            "register_base": base,
            "tab": "board",
            "expiring_coop": scope.coop.pk if scope.coop else "",
        },
    )


def _stock_rows(lines):
    return ((line.label, line.count, line.balance) for line in lines)


@roles_required(*READERS)
def board_export(request):
    data = _report(request)
    scope = data["scope"]
    where = scope.coop.name if scope.coop else _("全部")
    stamp = f"{where} {data['today']:%Y-%m-%d}"
    wb = Workbook(write_only=True)
    stock_cols = [(_("项目"), 20), (_("笔数"), 8), (_("本金余额（元）"), 16)]
    sheets = [
        (_("五级分类"), stock_cols, _stock_rows(data["by_class"])),
        (
            _("新老划段"),
            [(_("划段方案"), 16), *stock_cols],
            (
                (block["scheme"].name, line.label, line.count, line.balance)
                for block in data["by_segment"]
                for line in block["lines"]
            ),
        ),
        (_("形成原因"), stock_cols, _stock_rows(data["by_cause"])),
        (_("实际用款人"), stock_cols, _stock_rows(data["by_user"])),
        (_("清收责任人"), stock_cols, _stock_rows(data["by_collector"])),
        (
            _("时效即将届满"),
            [(_("天数内"), 10), (_("笔数（借款人及保证人）"), 20)],
            ((e["days"], e["count"]) for e in data["expiring"]),
        ),
        (
            _("本年收回"),
            [
                _("月份"),
                _("现金收回本金"),
                _("现金收回利息"),
                _("转贷盘活本金"),
                _("转贷盘活利息"),
                _("累计收回本金"),
                _("年初基数剩余"),
            ],
            (
                (
                    m.month,
                    m.cash_principal,
                    m.cash_interest,
                    m.restructured_principal,
                    m.restructured_interest,
                    m.cumulative_principal,
                    m.remaining,
                )
                for m in data["months"]
            ),
        ),
    ]
    if data["baseline"] is not None:
        b = data["baseline"]
        sheets.append(
            (
                _("年初基数"),
                [(_("五级分类"), 12), (_("年初笔数"), 10), (_("年初余额（元）"), 16)],
                ((line.label, b.count[line.key], b.balance[line.key]) for line in data["by_class"]),
            )
        )
    for title, columns, rows in sheets:
        ws = wb.create_sheet(title=title[:31])
        write_table(ws, title=_("不良贷款报表·") + title, scope=stamp, columns=columns, rows=rows)
    return workbook_response(wb, f"不良贷款报表{data['today']:%Y%m%d}.xlsx")


def _ranking_coop(request):
    cooperatives = list(selectors.npl_cooperatives(request.user).order_by("code"))
    coop_id = request.GET.get("coop") or request.POST.get("coop") or ""
    if coop_id:
        coop = next((c for c in cooperatives if str(c.pk) == coop_id), None)
        if coop is None:
            raise Http404(_("未找到该信用社。"))
    else:
        coop = next((c for c in cooperatives if c.pk == request.user.cooperative_id), None) or (
            cooperatives[0] if cooperatives else None
        )
    if coop is None:
        raise Http404(_("未找到该信用社。"))
    return coop, cooperatives


@roles_required(*ALL_STAFF)
def ranking(request):
    """A month's officer results: the published ranking to every staff member of the
    cooperative; before publication, the live figures to the register's readers (an officer
    only their own row)."""
    user = request.user
    today = timezone.localdate()
    coop, cooperatives = _ranking_coop(request)
    default = board.month_start(board.month_start(today) - timedelta(days=1))
    month = board.parse_month(request.GET.get("month"), default)
    snapshot = board.published(coop, month)
    rows, live = [], False
    if snapshot is not None:
        rows = snapshot.rows
    elif user.is_superuser or user.has_role(*READERS):
        live = True
        results = board.officer_results(coop, month, today)
        if not board.sees_whole_cooperatives(user):
            results = [r for r in results if r.staff_id == user.pk]
        rows = [r.as_row() for r in results]
    return render(
        request,
        "recovery/ranking.html",
        {
            "coop": coop,
            "cooperatives": cooperatives,
            "month": month,
            "snapshot": snapshot,
            "rows": rows,
            "live": live,
            "may_publish": snapshot is None
            and month < board.month_start(today)
            and services.may_manage(user, coop),
            "tab": "ranking",
        },
    )


@roles_required(*MANAGERS, write=True)
def ranking_publish(request):
    if request.method != "POST":
        return redirect("recovery:ranking")
    coop, _coops = _ranking_coop(request)
    text = request.POST.get("month") or ""
    back = reverse("recovery:ranking") + f"?coop={coop.pk}&month={text}"
    if not text:
        messages.error(request, _("请选择月份。"))
        return redirect(back)
    month = board.parse_month(text, timezone.localdate())
    try:
        services.ranking_publish(actor=request.user, cooperative=coop, month=month)
    except DomainError as e:
        messages.error(request, e.message)
        return redirect(back)
    messages.success(request, _("已发布，本社员工将在站内通知中收到。"))
    return redirect(back)


urlpatterns = [
    path("board/", board_page, name="board"),
    path("board/export/", board_export, name="board_export"),
    path("ranking/", ranking, name="ranking"),
    path("ranking/publish/", ranking_publish, name="ranking_publish"),
]
