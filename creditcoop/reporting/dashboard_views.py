"""Dashboard pages (经营分析) and the monthly reports (月报), read from the monthly figures."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from creditcoop.exports import workbook_response, write_table
from creditcoop.models import Cooperative
from creditcoop.permissions import roles_required

from . import dashboard
from .dashboard import DASHBOARD_ROLES, REPORT_ROLES
from .monthly_reports import REPORTS, monthly_report


def _chart(page) -> dict:
    """The numbers the charts draw (the same as the tables beside them)."""
    trend = page["trend"]
    data = {
        "months": [f"{r['month']:%Y-%m}" for r in trend["rows"]],
        "npl_ratio": [
            float(r["npl_ratio"]) if r["npl_ratio"] is not None else None for r in trend["rows"]
        ],
        "classes": trend["classes"],
        "balances": [
            [float(r["balances"][i]) for r in trend["rows"]] for i in range(len(trend["classes"]))
        ],
    }
    if "deadlines" in page:
        rows = page["deadlines"]["rows"]
        data["deadline_kinds"] = [r["label"] for r in rows]
        data["deadline_rates"] = [float(r["rate"].value or 0) for r in rows]
    return data


def _dashboard(request, *, cooperative_id=None, village_id=None):
    user = request.user
    scope = dashboard.dashboard_scope(user, cooperative_id=cooperative_id, village_id=village_id)
    months = dashboard.figure_months()
    chosen = dashboard.pick_month(months, request.GET.get("month"))
    context = {"scope": scope, "months": months, "chosen": chosen}
    if chosen is not None:
        figures = dashboard.figures_for(scope, as_of=chosen.month)
        page = dashboard.dashboard_page(user, figures)
        context |= {"page": page, "chart": _chart(page), "as_of": chosen.month}
    return render(request, "reporting/dashboard.html", context)


@roles_required(*DASHBOARD_ROLES)
def dashboard_home(request):
    return _dashboard(request)


@roles_required(*DASHBOARD_ROLES)
def dashboard_cooperative(request, pk):
    return _dashboard(request, cooperative_id=pk)


@roles_required(*DASHBOARD_ROLES)
def dashboard_village(request, pk):
    return _dashboard(request, village_id=pk)


# --- monthly reports ---------------------------------------------------------------------


def _report_scope(request):
    """The union (union staff, no cooperative picked) or one cooperative (404 outside)."""
    coop = request.GET.get("coop", "")
    if coop and not coop.isdigit():
        raise Http404(dashboard.NOT_FOUND)
    return dashboard.dashboard_scope(request.user, cooperative_id=int(coop) if coop else None)


def _report_context(request):
    scope = _report_scope(request)
    months = dashboard.figure_months()
    chosen = dashboard.pick_month(months, request.GET.get("month"))
    if request.user.is_union_wide:
        cooperatives = list(Cooperative.objects.filter(union_id=request.user.union_id))
    else:
        cooperatives = [scope.cooperative]
    return {"scope": scope, "months": months, "chosen": chosen, "cooperatives": cooperatives}


@roles_required(*REPORT_ROLES)
def reports(request):
    context = _report_context(request)
    return render(request, "reporting/reports.html", context | {"reports": REPORTS.values()})


def _report(request, code):
    if code not in REPORTS:
        raise Http404(_("没有这张报表。"))
    context = _report_context(request)
    if context["chosen"] is None:
        raise Http404(_("尚未生成月度数据。"))
    return context, monthly_report(code, context["scope"], context["chosen"].month)


@roles_required(*REPORT_ROLES)
def report_print(request, code):
    context, report = _report(request, code)
    return render(
        request,
        "reporting/report_print.html",
        context | {"report": report, "today": timezone.localdate(), "reports": REPORTS.values()},
    )


@roles_required(*REPORT_ROLES)
def report_xlsx(request, code):
    _context, report = _report(request, code)
    wb = Workbook(write_only=True)
    headers = _flat_headers(report)
    write_table(
        wb.create_sheet(report.title[:31]),
        title=report.title,
        scope=f"{report.unit} {report.month:%Y年%m月}",
        columns=[(h, c.width) for h, c in zip(headers, report.columns, strict=True)],
        rows=[*report.rows, *([report.totals] if report.totals else [])],
    )
    return workbook_response(wb, f"{report.title}-{report.unit}-{report.month:%Y%m}.xlsx")


def _flat_headers(report) -> list[str]:
    """One header row for Excel: a grouped column carries its group's name (正常笔数)."""
    if not report.groups:
        return [c.header for c in report.columns]
    names = []
    for label, span in report.groups:
        names += [label] * span
    return [f"{g}{c.header}" for g, c in zip(names, report.columns, strict=True)]
