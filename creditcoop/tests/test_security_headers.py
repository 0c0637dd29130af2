"""HTTPS, Content-Security-Policy and caching headers."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_deploy_check_is_clean_but_for_the_redirect_the_tls_proxy_does():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "PYTEST_VERSION", "PYTEST_CURRENT_TEST"}
    }
    env.update(DEBUG="false", SECRET_KEY="k8Jx2-real-production-key-9fQ3vL7wZpR1tY6uN0mB4-long-Zq8")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = set(re.findall(r"\((security\.\w+)\)", result.stdout + result.stderr))
    assert found == {"security.W008"}, result.stdout + result.stderr


def test_https_requests_get_hsts(client, org):
    resp = client.get("/login/", secure=True)
    assert "max-age=31536000" in resp["Strict-Transport-Security"]
    assert "includeSubDomains" in resp["Strict-Transport-Security"]


def test_pages_carry_a_content_security_policy_with_a_fresh_nonce(client, org):
    client.force_login(org.teller)
    first = client.get("/loans/counter/")
    policy = first["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    # the counter's inline script carries the nonce, so it still runs
    assert f'<script nonce="{nonce}">' in first.content.decode()
    second = client.get("/loans/counter/")
    assert nonce not in second["Content-Security-Policy"]


def test_staff_pages_are_not_kept_in_caches_public_pages_may_be(client, org):
    public = client.get(f"/p/village/{org.village_a1.code}/")
    assert "no-store" not in public.get("Cache-Control", "")
    client.force_login(org.teller)
    assert client.get("/loans/counter/")["Cache-Control"] == "no-store, private"
    client.force_login(org.officer1)
    resp = client.get(f"/villages/{org.village_a1.pk}/")
    assert resp["Cache-Control"] == "no-store, private"
