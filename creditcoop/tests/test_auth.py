import pytest
from django.test import override_settings

from creditcoop.models import AuditLog

pytestmark = pytest.mark.django_db


def _post_login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_login_by_staff_number(client, org):
    resp = _post_login(client, "O001", "pass-1234")
    assert resp.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_password_says_how_many_tries_are_left(client, org):
    resp = _post_login(client, "O001", "wrong")
    assert "工号或密码不正确，还可尝试 4 次" in resp.content.decode()
    assert resp.context["form"].data["username"] == "O001"


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account_even_for_the_right_password(client, org):
    for _ in range(3):
        resp = _post_login(client, "O001", "wrong")
    assert "已暂时锁定" in resp.content.decode()
    resp = _post_login(client, "O001", "pass-1234")
    assert resp.status_code == 200
    assert "已暂时锁定" in resp.content.decode()
    # another account is not affected
    assert _post_login(client, "O002", "pass-1234").status_code == 302


def test_pages_need_login(client, org):
    resp = client.get("/villages/")
    assert resp.status_code == 302
    assert resp["Location"].startswith("/login/")


def test_password_change(client, org):
    client.force_login(org.officer1)
    resp = client.post(
        "/password/",
        {"old_password": "pass-1234", "new_password1": "Xk9#mw2pLq", "new_password2": "Xk9#mw2pLq"},
    )
    assert resp.status_code == 302
    assert "密码已修改" in client.get(resp.url).content.decode()
    org.officer1.refresh_from_db()
    assert org.officer1.check_password("Xk9#mw2pLq")
    row = AuditLog.objects.get(action="creditcoop.password_change")
    assert row.actor == org.officer1 and row.object_id == str(org.officer1.pk)
    assert "Xk9#mw2pLq" not in str(row.changes) and org.officer1.password not in str(row.changes)


def test_logout(client, org):
    client.force_login(org.officer1)
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_password_change_with_wrong_old_password_changes_nothing(client, org):
    client.force_login(org.officer1)
    assert "修改密码" in client.get("/password/").content.decode()
    resp = client.post(
        "/password/",
        {"old_password": "nope", "new_password1": "Xk9#mw2pLq", "new_password2": "Xk9#mw2pLq"},
    )
    assert resp.status_code == 200
    assert "旧密码" in resp.content.decode()
    org.officer1.refresh_from_db()
    assert org.officer1.check_password("pass-1234")
    assert not AuditLog.objects.filter(action="creditcoop.password_change").exists()


@override_settings(LOGIN_FAILURE_LIMIT=2, LOGIN_LOCK_SECONDS=1)
def test_lock_expires_after_login_lock_seconds(client, org):
    import time

    for _ in range(2):
        resp = _post_login(client, "O001", "wrong")
    assert "已暂时锁定" in resp.content.decode()
    resp = _post_login(client, "O001", "pass-1234")
    assert resp.status_code == 200 and "已暂时锁定" in resp.content.decode()
    time.sleep(1.5)  # the lock lives in Redis with the configured expiry
    resp = _post_login(client, "O001", "pass-1234")
    assert resp.status_code == 302
    assert client.get("/").status_code == 200
    # A success clears the count: one new failure does not lock again.
    client.logout()
    resp = _post_login(client, "O001", "wrong")
    assert "还可尝试 1 次" in resp.content.decode()
