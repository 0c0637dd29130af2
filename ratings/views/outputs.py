"""The village's ledgers: on screen and as Excel."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from creditcoop.permissions import roles_required
from villages.selectors import village_get

from .. import exports

# ---------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------


def _year(request):
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() else timezone.localdate().year


@roles_required()
def village_ledger(request, pk):
    """信用等级评定及授信一览表."""
    village = village_get(request.user, pk)
    year = _year(request)
    qs = exports.ledger_queryset(village=village, year=year)
    if request.GET.get("format") == "xlsx":
        return exports.ledger_xlsx(village=village, year=year, queryset=qs)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    rows = [exports.cells(a, exports.LEDGER_COLUMNS) for a in page]
    return render(
        request,
        "ratings/ledger.html",
        {
            "village": village,
            "year": year,
            "page": page,
            "rows": rows,
            "columns": [c[0] for c in exports.LEDGER_COLUMNS],
        },
    )


@roles_required()
def village_approvals(request, pk):
    """村贷款授信额度审批明细表."""
    village = village_get(request.user, pk)
    year = _year(request)
    qs = exports.approval_queryset(village=village, year=year)
    if request.GET.get("format") == "xlsx":
        return exports.approval_xlsx(village=village, year=year, queryset=qs)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    rows = [exports.cells(a, exports.APPROVAL_COLUMNS) for a in page]
    return render(
        request,
        "ratings/approvals.html",
        {
            "village": village,
            "year": year,
            "page": page,
            "rows": rows,
            "columns": [c[0] for c in exports.APPROVAL_COLUMNS],
        },
    )
