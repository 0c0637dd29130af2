"""`make run` serves through a server whose database connections stay bounded: a crawl by
many concurrent clients leaves at most one connection per server thread."""

import os
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest
from django.db import connection

from creditcoop import embedded
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def _server_connections() -> int:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
        return cur.fetchone()[0]


def _test_database_url() -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "postgres")
    # The embedded server's socket directory comes as an OPTIONS host (``?host=`` in its URL).
    host = db["HOST"] or db.get("OPTIONS", {}).get("host", "")
    if not host:
        return f"postgres://{user}@/{db['NAME']}"
    if host.startswith("/"):  # a unix socket (the embedded server)
        return f"postgres://{user}@/{db['NAME']}?host={host}"
    password = ":" + quote(db["PASSWORD"]) if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_make_run_server_keeps_database_connections_bounded(org):
    village = f.VillageFactory(cooperative=org.coop_a, code="CONN01")
    # Connections other tests of this process may still hold do not count.
    before = _server_connections()
    port = 18000 + os.getpid() % 1000
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": _test_database_url()}
    env.pop("PYTEST_VERSION", None)
    env.pop("PYTEST_CURRENT_TEST", None)
    env.setdefault("SECRET_KEY", "test-only-key")
    command = embedded.server_command(bind=f"127.0.0.1:{port}", workers=1, threads=3)
    assert "runserver" not in command
    proc = embedded.subprocess.Popen(command, env=env, cwd=embedded.ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                _get(base + "/login/")
                break
            except OSError:
                time.sleep(0.2)
        paths = ["/login/", f"/p/village/{village.code}/", f"/p/village/{village.code}/notice/"]
        statuses = []

        def client(n):
            for i in range(n):
                statuses.append(_get(base + paths[i % len(paths)]))

        threads = [threading.Thread(target=client, args=(15,)) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses.count(200) == 180
        # One per server thread, however many requests.
        assert 1 <= _server_connections() - before <= 3
    finally:
        proc.terminate()
        proc.wait(timeout=40)
