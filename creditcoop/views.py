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
from .auth import StaffLoginForm
from .forms import AuditFilterForm
from .models import Role
from .permissions import roles_required
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
                action="修改本人密码",
                obj=self.request.user,
                changes={"password": "（已修改）"},
            )
        return response


@login_required
def home(request):
    """The workbench: what is waiting for this person, then the villages they see."""
    from creditcoop.servicehall.models import Deadline
    from ratings.notices.models import Objection
    from villages.selectors import village_scope

    user = request.user
    villages = village_scope(user).select_related("cooperative", "officer").order_by("code")
    deadlines = Deadline.objects.filter(responsible=user, stopped_at__isnull=True).order_by(
        "due_on", "id"
    )[:10]
    objections = (
        Objection.objects.filter(assigned_to=user)
        .filter(status__in=Objection.OPEN)
        .select_related("batch__village")
        .order_by("filed_at")[:10]
    )
    context = {
        "villages": villages[:50],
        "village_count": villages.count(),
        "deadlines": deadlines,
        "objections": objections,
        "latest": inbox(user).filter(read_at__isnull=True)[:5],
        "today": timezone.localdate(),
    }
    return render(request, "creditcoop/home.html", context)


@roles_required(
    Role.AUDITOR, Role.DIRECTOR, Role.DEPUTY, Role.UNION_RISK, Role.UNION_ASSET, Role.ADMIN
)
def audit_list(request):
    form = AuditFilterForm(request.GET or None)
    qs = audit_scope(request.user)
    if form.is_valid():
        qs = audit_filter(qs, **form.cleaned_data)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "creditcoop/audit_list.html", {"form": form, "page": page})


@login_required
def notification_list(request):
    page = Paginator(inbox(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "creditcoop/notification_list.html", {"page": page})


@login_required
@require_POST
def notification_read_all(request):
    inbox(request.user).filter(read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, _("已全部标为已读。"))
    return redirect("notification_list")
