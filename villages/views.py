from django.core.paginator import Paginator
from django.shortcuts import render

from creditcoop.permissions import roles_required

from .selectors import household_get, village_get, village_scope


@roles_required()
def village_list(request):
    qs = village_scope(request.user).select_related("cooperative", "officer")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(name__contains=q)
    page = Paginator(qs.order_by("cooperative__code", "code"), 50).get_page(request.GET.get("page"))
    return render(request, "villages/village_list.html", {"page": page, "q": q})


@roles_required()
def village_detail(request, pk):
    village = village_get(request.user, pk)
    households = village.households.select_related("group").order_by("group__number", "id")
    page = Paginator(households, 50).get_page(request.GET.get("page"))
    return render(request, "villages/village_detail.html", {"village": village, "page": page})


@roles_required()
def household_search(request):
    return render(request, "villages/household_search.html", {})


@roles_required()
def household_detail(request, pk):
    household = household_get(request.user, pk)
    return render(request, "villages/household_detail.html", {"household": household})
