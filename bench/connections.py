"""Benchmark: PostgreSQL connections held by the web server after a crawl.

Starts the web server the way `make run` does (`creditcoop.embedded.server_command`:
gunicorn, fixed thread pool), crawls it with concurrent clients — staff pages as a signed-in
officer and the public village pages — and samples the database's connection count during
and after the crawl. `--server runserver` crawls Django's development server instead, for
comparison (what `make run` served before).

    .venv/bin/python bench/connections.py [--requests 5000] [--clients 20] [--server gunicorn]

Uses its own database ``cc_bench_conn`` (created, migrated and given one village when
missing).
"""

import argparse
import http.cookiejar
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cc_bench_conn")
URL = BASE_URL.rsplit("/", 1)[0] + "/cc_bench_conn"
os.environ["DATABASE_URL"] = URL
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditcoop.settings")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
PORT = 8765


def ensure_database():
    import psycopg2

    parts = urlparse(URL)
    admin = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname="postgres"
    )
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = 'cc_bench_conn'")
        if cur.fetchone() is None:
            cur.execute("CREATE DATABASE cc_bench_conn")
    admin.close()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from creditcoop.models import Role
    from tests import factories as f
    from villages.models import Village

    village = Village.objects.filter(code="BENCHCONN").first()
    if village is None:
        coop = f.CooperativeFactory(code="BC01", name="连接测试信用社")
        officer = f.StaffFactory(
            username="BC001", roles=[Role.OFFICER], cooperative=coop, union=coop.union
        )
        officer.set_password("bench-pass-1")
        officer.save()
        village = f.VillageFactory(cooperative=coop, code="BENCHCONN", officer=officer)
    return village


def connections() -> int:
    import psycopg2

    parts = urlparse(URL)
    conn = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname="postgres"
    )
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = 'cc_bench_conn'"
            )
            return cur.fetchone()[0]
    finally:
        conn.close()


def start_server(kind: str) -> subprocess.Popen:
    from creditcoop.embedded import server_command

    bind = f"127.0.0.1:{PORT}"
    if kind == "gunicorn":
        cmd = server_command(bind=bind)
        cmd.remove("--access-logfile")
        cmd.remove("-")
    else:
        cmd = [sys.executable, str(ROOT / "manage.py"), "runserver", bind, "--noreload"]
    env = {**os.environ, "DEBUG": "true"}
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        return _wait_until_up(proc, bind)
    except BaseException:
        proc.kill()
        raise


def _wait_until_up(proc, bind):
    for _ in range(150):
        if proc.poll() is not None:
            raise SystemExit(f"server exited (is port {PORT} in use?)")
        try:
            urllib.request.urlopen(f"http://{bind}/login/", timeout=2)  # noqa: S310
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def signed_in_opener():
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{PORT}"
    page = opener.open(base + "/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": "BC001", "password": "bench-pass-1", "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(base + "/login/", data=data, headers={"Referer": base})  # noqa: S310
    opener.open(request).read()
    return opener


def crawl(total: int, clients: int, paths: list[str]) -> tuple[int, dict]:
    base = f"http://127.0.0.1:{PORT}"
    counter = iter(range(total))
    lock = threading.Lock()
    statuses: dict[int, int] = {}
    peak = [0]

    def client():
        opener = signed_in_opener()
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            try:
                resp = opener.open(base + paths[i % len(paths)], timeout=30)
                resp.read()
                status = resp.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = 0
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    def sample(stop):
        while not stop.is_set():
            peak[0] = max(peak[0], connections())
            time.sleep(0.25)

    stop = threading.Event()
    sampler = threading.Thread(target=sample, args=(stop,))
    sampler.start()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    sampler.join()
    return peak[0], statuses


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--server", choices=["gunicorn", "runserver"], default="gunicorn")
    args = parser.parse_args()
    village = ensure_database()
    from django.db import connection

    connection.close()
    paths = [
        "/",
        "/villages/",
        f"/villages/{village.pk}/",
        f"/p/village/{village.code}/",
        f"/p/village/{village.code}/notice/",
        "/inbox/",
    ]
    before = connections()
    proc = start_server(args.server)
    try:
        started = time.perf_counter()
        peak, statuses = crawl(args.requests, args.clients, paths)
        seconds = time.perf_counter() - started
        time.sleep(2)
        after = connections()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(f"server: {args.server}; {args.requests} requests from {args.clients} clients")
    print(f"statuses: {dict(sorted(statuses.items()))}; {args.requests / seconds:.0f} req/s")
    print(f"connections to cc_bench_conn: before {before}, peak {peak}, after the crawl {after}")


if __name__ == "__main__":
    main()
