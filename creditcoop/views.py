from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .audit import audit_record
from .audit_labels import action_label, change_lines, object_type_label, object_url
from .auth import StaffLoginForm
from .forms import AuditFilterForm
from .models import Role
from .permissions import roles_required, staff_required
from .selectors import audit_filter, audit_scope, inbox


class LoginView(auth_views.LoginView):
    form_class = StaffLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing one's own password leaves an audit row (never the password itself)."""

    template_name = "registration/password_change.html"

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            audit_record(
                actor=self.request.user,
                action="creditcoop.password_change",
                obj=self.request.user,
                changes={"password": "（已修改）"},
            )
        return response


@login_required
def home(request):
    """The workbench: what is waiting for this person, then the villages they see."""
    from creditcoop.deadlines.models import Deadline
    from creditcoop.hooks import home_context

    user = request.user
    deadlines = Deadline.objects.filter(responsible=user, stopped_at__isnull=True).order_by(
        "due_on", "id"
    )[:10]
    # The villages they see, their objections and a committee member's initial ratings come
    # from the stages (hooks).
    context = {
        "villages": [],
        "village_count": 0,
        "objections": [],
        "initial_ratings": None,
    } | home_context(user)
    context |= {
        "deadlines": deadlines,
        "latest": inbox(user).filter(read_at__isnull=True)[:5],
        "today": timezone.localdate(),
    }
    return render(request, "creditcoop/home.html", context)


AUDIT_READERS = (
    Role.AUDITOR,
    Role.DIRECTOR,
    Role.DEPUTY,
    Role.UNION_RISK,
    Role.UNION_ASSET,
    Role.ADMIN,
)


def _audit_rows(request):
    form = AuditFilterForm(request.GET or None)
    qs = audit_scope(request.user)
    if form.is_valid():
        qs = audit_filter(qs, **form.cleaned_data)
    return form, qs


def _readable(log):
    """An audit row as the page and the export show it."""
    log.action_label = action_label(log.action)
    log.object_type_label = object_type_label(log.object_type)
    log.object_url = object_url(log.object_type, log.object_id)
    log.change_lines = change_lines(log)
    return log


@roles_required(*AUDIT_READERS)
def audit_list(request):
    form, qs = _audit_rows(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for log in page:
        _readable(log)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "creditcoop/audit_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@staff_required
def notification_list(request):
    page = Paginator(inbox(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "creditcoop/notification_list.html", {"page": page})


@staff_required
@require_POST
def notification_read_all(request):
    inbox(request.user).filter(read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, _("已全部标为已读。"))
    return redirect("notification_list")
