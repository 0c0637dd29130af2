"""Error pages (400, 403, 404, 500) in Chinese and in the site's look: public pages under
/p/ get the public layout, every other page the staff layout."""

from __future__ import annotations

from django.http import HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

PUBLIC_PREFIX = "/p/"


def _page(status: int, *, public: bool) -> dict:
    pages = {
        400: (_("请求无效"), _("无法处理这个请求，请检查网址或填写的内容后再试。")),
        403: (
            _("没有权限"),
            _("您没有权限查看或办理这一事项。如确需办理，请联系本社主任或系统管理员。"),
        ),
        404: (
            _("页面不存在"),
            _("要找的页面不存在，请核对网址或村编码。")
            if public
            else _("要找的页面或记录不存在，或不在您的管辖范围内。"),
        ),
        500: (
            _("系统出错"),
            _("系统暂时出错，已记录下来。请稍后再试；如一直出错，请联系信用社。")
            if public
            else _("系统暂时出错，已记录下来。请稍后再试；如一直出错，请联系系统管理员。"),
        ),
    }
    title, message = pages[status]
    return {"status": status, "title": title, "message": message}


def _render(request, status: int, *, message: str | None = None, with_context=True):
    public = request is not None and request.path.startswith(PUBLIC_PREFIX)
    context = _page(status, public=public)
    if message:
        context["message"] = message
    name = "errors/public.html" if public else "errors/staff.html"
    # A server error must not depend on what failed (the database, the session): it is
    # rendered without the context processors.
    body = loader.render_to_string(name, context, request if with_context else None)
    return HttpResponse(body, status=status)


def bad_request(request, exception=None):
    return _render(request, 400)


def permission_denied(request, exception=None):
    return _render(request, 403)


def page_not_found(request, exception=None):
    return _render(request, 404)


def server_error(request):
    return _render(request, 500, with_context=False)


def csrf_failure(request, reason=""):
    return _render(request, 403, message=_("页面已过期或来源不明，请刷新页面后重新提交。"))
