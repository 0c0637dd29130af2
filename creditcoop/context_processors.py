from django.utils import timezone

from .models import Role


def navigation(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    ctx = {
        "unread_count": user.notifications.filter(read_at__isnull=True).count(),
        "Role": Role,
    }
    if user.is_superuser or user.has_role(Role.ADMIN):
        from .workdays import uncovered_years

        today = timezone.localdate()
        ctx["calendar_missing_years"] = uncovered_years([today.year, today.year + 1])
    return ctx
