"""With DEBUG off the app refuses to start without a real SECRET_KEY."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Not that these need the database: the shared calendar fixture (conftest.py) does.
pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
START = "import django; django.setup(); from django.conf import settings; print('started', settings.DEBUG)"


def start(**env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "PYTEST_VERSION", "PYTEST_CURRENT_TEST"}
    }
    base.update(DJANGO_SETTINGS_MODULE="creditcoop.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", START],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("key", [None, "", "dev-only-key-for-make-run"])
def test_production_refuses_to_start_without_a_real_secret_key(key):
    env = {"DEBUG": "false"}
    if key is not None:
        env["SECRET_KEY"] = key
    result = start(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY 未设置：生产环境必须提供真实的 SECRET_KEY。" in (
        result.stderr
    )
    assert "started" not in result.stdout


def test_production_starts_with_a_real_secret_key():
    result = start(DEBUG="false", SECRET_KEY="k8Jx2-real-production-key-9fQ3vL7wZpR1tY6uN0mB4")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started False"


def test_development_key_is_accepted_with_debug_on():
    result = start(DEBUG="true", SECRET_KEY="dev-only-key-for-make-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started True"
