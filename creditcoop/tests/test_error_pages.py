"""Error pages speak Chinese in the site's look: the staff layout, or the public layout for
the pages under /p/ that villagers open on a phone."""

import pytest
from django.test import RequestFactory

from creditcoop import errorpages

pytestmark = pytest.mark.django_db


def test_missing_staff_page_is_a_chinese_404_in_the_staff_layout(client, org):
    client.force_login(org.officer1)
    resp = client.get("/villages/999999999/")
    assert resp.status_code == 404
    text = resp.content.decode()
    assert "页面不存在" in text and "不在您的管辖范围内" in text
    assert "退出登录" in text  # the staff navigation
    assert "Not Found" not in text


def test_missing_public_page_is_a_chinese_404_in_the_public_layout(client, org):
    resp = client.get("/p/village/NO-SUCH-VILLAGE/")
    assert resp.status_code == 404
    text = resp.content.decode()
    assert "页面不存在" in text and "阳光信贷公开栏" in text
    assert "退出登录" not in text


def test_forbidden_page_is_chinese(client, org):
    client.force_login(org.auditor)
    resp = client.post(f"/villages/{org.village_a1.pk}/households/add/", {})
    assert resp.status_code == 403
    assert "没有权限" in resp.content.decode()


def test_stale_form_csrf_failure_is_chinese(org):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    resp = client.post("/login/", {"username": "O001", "password": "x"})
    assert resp.status_code == 403
    assert "页面已过期" in resp.content.decode()


@pytest.mark.parametrize(("path", "layout"), [("/loans/", "退出登录"), ("/p/village/X/", "公开栏")])
def test_server_error_page_needs_no_database_or_session(path, layout, org):
    request = RequestFactory().get(path)  # no session, no user: rendered without them
    resp = errorpages.server_error(request)
    assert resp.status_code == 500
    text = resp.content.decode()
    assert "系统出错" in text and "请稍后再试" in text
    if layout == "公开栏":
        assert "阳光信贷公开栏" in text
    else:
        assert "返回首页" in text


def test_pages_carry_a_favicon(client, org):
    resp = client.get("/login/")
    assert 'rel="icon"' in resp.content.decode()
    resp = client.get("/favicon.ico")
    assert resp.status_code == 301 and resp["Location"].endswith("favicon.ico")
