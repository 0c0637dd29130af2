"""Public notice pages (no login): the village's notices, the poster, the objection form
and the objection status. Pages are served from the cache (publiccache)."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from creditcoop.errors import DomainError, add_to_form

from . import publiccache, ratelimit, selectors, services
from .forms import PublicObjectionForm
from .models import NoticeEntry, Objection
from .views import int_or_none

PUBLIC_HEADERS = {"Cache-Control": "no-cache", "X-Robots-Tag": "noindex"}


def _public_village_id(code: str) -> int:
    """The village id for a code, remembered so a cached page needs no query (404 if none)."""
    return publiccache.village_id_for(code, lambda c: selectors.village_public(c).pk)


def _html(html: bytes, status=200) -> HttpResponse:
    response = HttpResponse(html, status=status)
    for k, v in PUBLIC_HEADERS.items():
        response[k] = v
    return response


def public_village(request, code):
    today = timezone.localdate()
    village_id = _public_village_id(code)

    def render_page():
        village = selectors.village_public(code)
        current, past = selectors.public_village_notices(village, today)
        coop = village.cooperative
        return render_to_string(
            "notices/public_village.html",
            {
                "village": village,
                "current": current,
                "past": past,
                "today": today,
                "committee": selectors.committee_roster(village, today),
                "officer": village.officer,
                "complaint_phone": coop.complaint_phone or coop.union.complaint_phone,
                "supervision_phone": coop.supervision_phone,
                "promises": selectors.service_promises(coop),
            },
        )

    return _html(publiccache.get_or_render(village_id, "village", today, render_page))


def public_batch(request, code, pk):
    today = timezone.localdate()
    village_id = _public_village_id(code)

    def render_page():
        village = selectors.village_public(code)
        batch = selectors.public_batch(village, pk)
        return render_to_string(
            "notices/public_batch.html",
            {
                "village": village,
                "batch": batch,
                "rows": selectors.public_entries(batch),
                "today": today,
                "running": batch.is_running(today),
            },
        )

    return _html(publiccache.get_or_render(village_id, f"batch:{int(pk)}", today, render_page))


def public_poster(request, code, pk):
    today = timezone.localdate()
    size = "a3" if request.GET.get("size") == "a3" else "a4"
    village_id = _public_village_id(code)
    page_url = request.build_absolute_uri(reverse("notices_public:village", args=[code]))

    def render_page():
        village = selectors.village_public(code)
        batch = selectors.public_batch(village, pk)
        qr = segno.make(page_url, error="m")
        return render_to_string(
            "notices/poster.html",
            {
                "village": village,
                "batch": batch,
                "rows": [
                    r
                    for r in selectors.public_entries(batch)
                    if r.status == NoticeEntry.Status.LISTED
                ],
                "size": size,
                "qr_svg": qr.svg_inline(scale=4 if size == "a4" else 6, border=2),
                "page_url": page_url,
                "complaint_phone": village.cooperative.complaint_phone
                or village.cooperative.union.complaint_phone,
            },
        )

    name = f"poster:{int(pk)}:{size}:{request.get_host()}"
    return _html(publiccache.get_or_render(village_id, name, today, render_page))


def _refused_early(request, code):
    """A flood or a bot is turned away before any work on the notice: one Redis round trip
    for the count, the village header from this process's copy (no query), a short page;
    so it never slows the page for anyone else."""
    if not ratelimit.allow("objection", ratelimit.client_address(request)):
        village = selectors.village_public_header(code)
        coop = village.cooperative
        return render(
            request,
            "notices/public_objection_limited.html",
            {
                "village": village,
                "text": request.POST.get("text", "")[: services.TEXT_MAX],
                "phone": coop.supervision_phone
                or coop.complaint_phone
                or coop.union.complaint_phone,
            },
            status=429,
        )
    if request.POST.get("website", "").strip():
        # A bot filled the hidden field: answer as if accepted, store nothing.
        village = selectors.village_public_header(code)
        return render(request, "notices/public_objection_done.html", {"village": village})
    return None


@require_http_methods(["GET", "POST"])
def public_objection(request, code):
    if request.method == "POST" and (refused := _refused_early(request, code)) is not None:
        return refused
    village = selectors.village_public(code)
    today = timezone.localdate()
    current, _past = selectors.public_village_notices(village, today)
    entries = [r for b in current for r in b.public_rows if r.status == NoticeEntry.Status.LISTED]
    batch_of = {r.pk: r.batch_id for r in entries}
    initial = {"entry": int_or_none(request.GET.get("entry"))}
    form = PublicObjectionForm(request.POST or None, entries=entries, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            batch = next((b for b in current if b.pk == batch_of.get(d["entry"])), None)
            if batch is None and current:
                batch = current[0]
            if batch is None:
                form.add_error(None, _("本村目前没有正在公示的名单。"))
            else:
                try:
                    obj = services.objection_file(
                        batch=batch,
                        entry=d["entry"],
                        text=d["text"],
                        contact_name=d["contact_name"],
                        contact_phone=d["contact_phone"],
                        source=ratelimit.client_address(request),
                    )
                except DomainError as e:
                    add_to_form(form, e)
                else:
                    return render(
                        request,
                        "notices/public_objection_done.html",
                        {"village": village, "obj": obj},
                    )
        status = 400  # not accepted: the form says why
    return render(
        request,
        "notices/public_objection.html",
        {"village": village, "form": form, "current": current},
        status=status,
    )


def public_objection_lookup(request):
    ref = request.GET.get("ref", "").strip().upper()
    if ref:
        if Objection.objects.filter(reference=ref).exists():
            return redirect("notices_public:objection_status", reference=ref)
        messages.error(request, _("未找到受理编号 %(ref)s，请核对后重新输入。") % {"ref": ref[:20]})
    return render(request, "notices/public_objection_lookup.html", {"ref": ref[:20]})


def public_objection_status(request, reference):
    obj = selectors.objection_public(reference)
    return render(
        request,
        "notices/public_objection_status.html",
        {"obj": obj, "village": obj.batch.village},
    )
