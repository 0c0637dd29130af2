"""Role checks for views. Out-of-scope objects are 404 (selectors); wrong role is 403."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Role


def roles_required(*roles, write: bool = False):
    """The user must hold one of `roles`; with write=True a read-only role gets 403 too.

    With no roles given any staff member passes the role test — except an outsider (an
    entrusted collection firm's staff), who gets in only where a page names their role.
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if roles and not (user.is_superuser or user.has_role(*roles)):
                raise PermissionDenied(_("您没有执行此操作的权限。"))
            if not roles and _outsider(user):
                raise PermissionDenied(_("您没有执行此操作的权限。"))
            if (write or request.method == "POST") and user.is_read_only:
                raise PermissionDenied(_("稽核角色只能查阅，不能修改数据。"))
            return view(request, *args, **kwargs)

        wrapped.allowed_roles, wrapped.writes = roles, write
        return wrapped

    return decorator


def _outsider(user) -> bool:
    return bool(getattr(user, "is_outsider", False)) and not user.is_superuser


def staff_required(view):
    """Logged in and one of the cooperatives' or the union's own staff (not an outsider):
    for pages any staff member may open that take no role list (the inbox)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if _outsider(request.user):
            raise PermissionDenied(_("您没有执行此操作的权限。"))
        return view(request, *args, **kwargs)

    wrapped.allowed_roles, wrapped.writes = (), False
    return wrapped


def require_write(user) -> None:
    if user.is_read_only:
        raise PermissionDenied(_("稽核角色只能查阅，不能修改数据。"))


# ---------------------------------------------------------------------------
# The rules every stage asks. Services call them and raise DomainError; templates ask them
# through the `perm` template filters. Nothing here imports a stage: villages and
# committees are read through their relations.
# ---------------------------------------------------------------------------

READ_ONLY_MESSAGE = gettext_lazy("稽核角色只能查阅，不能修改数据。")


def may_write(actor) -> bool:
    """Logged in and not a read-only role."""
    return (
        bool(getattr(actor, "pk", None))
        and getattr(actor, "is_authenticated", True)
        and (not actor.is_read_only)
    )


def require_may_write(actor) -> None:
    """For services: a DomainError a person understands when the actor may not write."""
    from .errors import DomainError

    if not getattr(actor, "pk", None):
        raise DomainError(_("请先登录。"))
    if actor.is_read_only:
        raise DomainError(READ_ONLY_MESSAGE)


def manages_village(actor, village) -> bool:
    """The village's own loan officer (包村信贷员)."""
    return bool(getattr(actor, "pk", None)) and (
        actor.has_role(Role.OFFICER) and village.officer_id == actor.pk
    )


def directs_cooperative(actor, cooperative_id) -> bool:
    """The director or deputy director of this cooperative."""
    if hasattr(cooperative_id, "pk"):
        cooperative_id = cooperative_id.pk
    return bool(getattr(actor, "pk", None)) and (
        actor.cooperative_id == cooperative_id and actor.has_role(Role.DIRECTOR, Role.DEPUTY)
    )


def works_at(actor, cooperative_id, *roles) -> bool:
    """Staff of this cooperative holding one of `roles` (any role when none given)."""
    if hasattr(cooperative_id, "pk"):
        cooperative_id = cooperative_id.pk
    if not getattr(actor, "pk", None) or actor.cooperative_id != cooperative_id:
        return False
    return actor.has_role(*roles) if roles else True


def officer_or_director(actor, village) -> bool:
    """The village's officer or its cooperative's director/deputy: who runs a village's work."""
    return manages_village(actor, village) or directs_cooperative(actor, village.cooperative_id)


def sits_on_committee(actor, village, *, on=None) -> bool:
    """A member of this village's credit review committee whose term covers `on` (today)."""
    from django.db.models import Q
    from django.utils import timezone

    if not getattr(actor, "pk", None) or not actor.has_role(Role.COMMITTEE):
        return False
    day = on or timezone.localdate()
    return (
        village.committee.filter(staff=actor, term_start__lte=day)
        .filter(Q(term_end__isnull=True) | Q(term_end__gte=day))
        .exists()
    )


def cooperative_director(cooperative_id):
    """The cooperative's director (first by staff number), who answers when no one else does."""
    from .models import Staff

    if hasattr(cooperative_id, "pk"):
        cooperative_id = cooperative_id.pk
    return (
        Staff.objects.filter(
            cooperative_id=cooperative_id, is_active=True, roles__contains=[Role.DIRECTOR]
        )
        .order_by("username")
        .first()
    )


def may_open(actor, url_name: str, *args) -> bool:
    """Whether the page's own role check would let `actor` in (for menus: no entry that 403s)."""
    from django.urls import NoReverseMatch, resolve, reverse

    if not getattr(actor, "is_authenticated", False):
        return False
    try:
        view = resolve(reverse(url_name, args=args)).func
    except NoReverseMatch:
        return False
    roles = getattr(view, "allowed_roles", ())
    if roles and not (actor.is_superuser or actor.has_role(*roles)):
        return False
    if not roles and _outsider(actor):
        return False
    return not (getattr(view, "writes", False) and actor.is_read_only)
