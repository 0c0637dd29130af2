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


def test_wrong_passwords_from_elsewhere_do_not_lock_the_owner_out(client, org):
    """Locking a teller out before opening takes five wrong passwords from anywhere today;
    the lock holds only for the address they came from."""
    from django.test import Client

    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(6):
        resp = attacker.post("/login/", {"username": "T001", "password": "guess"})
    assert "已暂时锁定" in resp.content.decode()
    resp = attacker.post("/login/", {"username": "T001", "password": "pass-1234"})
    assert resp.status_code == 200  # still locked for the attacker's address
    teller = Client(REMOTE_ADDR="10.1.2.3")
    assert teller.post("/login/", {"username": "T001", "password": "pass-1234"}).status_code == 302


def test_one_guess_on_each_of_twenty_accounts_from_one_address_is_throttled(client, org):
    from tests import factories as f

    for i in range(20):
        f.StaffFactory(username=f"S{i:03d}", cooperative=org.coop_a, union=org.union)
    attacker = Client_at("198.51.100.7")
    answers = [
        attacker.post("/login/", {"username": f"S{i:03d}", "password": "123456"}).content.decode()
        for i in range(20)
    ]
    paused = [i for i, text in enumerate(answers) if "登录已暂停" in text]
    assert paused and paused[0] <= 10
    # once paused, even a right password from that address is not checked
    resp = attacker.post("/login/", {"username": "O001", "password": "pass-1234"})
    assert resp.status_code == 200 and "登录已暂停" in resp.content.decode()
    # staff elsewhere log in as usual
    assert (
        Client_at("10.1.2.3")
        .post("/login/", {"username": "O001", "password": "pass-1234"})
        .status_code
        == 302
    )


def Client_at(address):  # noqa: N802 - reads as a constructor
    from django.test import Client

    return Client(REMOTE_ADDR=address)


@override_settings(CLIENT_ADDRESS_HEADER="X-Forwarded-For", CLIENT_ADDRESS_PROXIES=1)
def test_behind_a_proxy_the_address_is_what_the_proxy_appended(client, org):
    """Every request comes from the proxy's address; the client's is the entry the proxy
    appended (a client-written entry further left is ignored)."""
    proxy = Client_at("127.0.0.1")
    for _ in range(5):
        proxy.post(
            "/login/",
            {"username": "O001", "password": "wrong"},
            HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.9",
        )
    locked = proxy.post(
        "/login/",
        {"username": "O001", "password": "pass-1234"},
        HTTP_X_FORWARDED_FOR="10.1.2.3, 203.0.113.9",  # spoofed left entry changes nothing
    )
    assert "已暂时锁定" in locked.content.decode()
    resp = proxy.post(
        "/login/", {"username": "O001", "password": "pass-1234"}, HTTP_X_FORWARDED_FOR="10.1.2.3"
    )
    assert resp.status_code == 302


@override_settings(CLIENT_ADDRESS_HEADER="X-Forwarded-For")
def test_objection_form_limits_by_the_same_client_address(rf):
    from ratings.notices import ratelimit

    request = rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9", REMOTE_ADDR="127.0.0.1")
    assert ratelimit.client_address(request) == "203.0.113.9"
