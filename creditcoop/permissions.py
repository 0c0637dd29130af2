"""Role checks for views. Out-of-scope objects are 404 (selectors); wrong role is 403."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def roles_required(*roles, write: bool = False):
    """The user must hold one of `roles`; with write=True a read-only role gets 403 too.

    With no roles given any staff member passes the role test.
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if roles and not (user.is_superuser or user.has_role(*roles)):
                raise PermissionDenied("您没有执行此操作的权限。")
            if (write or request.method == "POST") and user.is_read_only:
                raise PermissionDenied("稽核角色只能查阅，不能修改数据。")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def require_write(user) -> None:
    if user.is_read_only:
        raise PermissionDenied("稽核角色只能查阅，不能修改数据。")
