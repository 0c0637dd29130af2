"""Throughput of a village's public notice page (500 households) behind gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_notices .venv/bin/python bench/public_page.py

Builds (once) a bench village BENCH-500 with 500 households whose credit lines are set, and
posts them on a notice through the notice services. Then starts gunicorn on 127.0.0.1 only,
loads the page with `wrk` (Debian package) for a bounded time, or with a small built-in
asyncio client for a bounded number of requests when wrk is not installed, and prints
requests per second and the 95th percentile latency. gunicorn is stopped at the end.

Options: --workers (default 4), --worker-class (sync), --duration seconds for wrk (10),
--connections (8), --requests for the built-in client (5000), --port (8765), --flood N (while
the page is loaded, N more connections post objections from the same address non-stop, as a
flood would: the page's figures show whether it slows anyone else down; built-in client).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditcoop.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402

from creditcoop.models import Cooperative, Role, Staff, Union  # noqa: E402
from ratings.models import CreditApplication  # noqa: E402
from ratings.notices import publiccache, services  # noqa: E402
from ratings.notices.models import NoticeBatch  # noqa: E402
from villages.idcard import check_digit  # noqa: E402
from villages.models import Household, Member, Village, VillageGroup  # noqa: E402

CODE = "BENCH-500"
HOUSEHOLDS = 500
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"

WRK_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("P95_US %d\\n", latency:percentile(95)))
  io.write(string.format("P50_US %d\\n", latency:percentile(50)))
  io.write(string.format("REQUESTS %d\\n", summary.requests))
  io.write(string.format("NON2XX %d\\n", summary.errors.status))
end
"""


def _staff(coop, username, name, roles, grade=None):
    user, _created = Staff.objects.get_or_create(
        username=username,
        defaults={
            "name": name,
            "union": coop.union,
            "cooperative": coop,
            "roles": roles,
            "officer_grade": grade,
            "phone": "13900000000",
        },
    )
    return user


@transaction.atomic
def _bench_village() -> Village:
    """The bench village with 500 line_set households (plain inserts: this is set-up data,
    the rating flow is not what is measured)."""
    village = Village.objects.filter(code=CODE).first()
    if village is not None:
        return village
    union, _c = Union.objects.get_or_create(name="压测联社", defaults={"complaint_phone": "0371-1"})
    coop, _c = Cooperative.objects.get_or_create(
        code="BENCH",
        defaults={
            "union": union,
            "name": "压测信用社",
            "supervision_phone": "0371-66668888",
            "complaint_phone": "0371-12345678",
        },
    )
    officer = _staff(coop, "BENCH-O1", "压测信贷员", [Role.OFFICER], grade=1)
    _staff(coop, "BENCH-O2", "压测信贷员二", [Role.OFFICER], grade=1)
    village = Village.objects.create(
        cooperative=coop, name="压测村", town="压测镇", code=CODE, officer=officer
    )
    groups = VillageGroup.objects.bulk_create(
        [VillageGroup(village=village, number=n, name=f"{n}组") for n in range(1, 11)]
    )
    households = Household.objects.bulk_create(
        [
            Household(
                village=village,
                group=groups[i % 10],
                head_name=SURNAMES[i % 20] + GIVEN[(i // 20) % 20] + GIVEN[i % 7],
                phone=f"1380000{i:04d}",
            )
            for i in range(HOUSEHOLDS)
        ]
    )
    members = []
    for i, h in enumerate(households):
        first17 = f"419999{date(1970 + i % 30, 1 + i % 12, 1 + i % 28):%Y%m%d}{i % 1000:03d}"
        id_number = first17 + check_digit(first17)
        members.append(
            Member(
                household=h,
                village_id=h.village_id,
                name=h.head_name,
                relation=Member.Relation.HEAD,
                id_number=id_number,
                id_reversed=id_number[::-1],
                initials="bench",
                phone=h.phone,
            )
        )
    members = Member.objects.bulk_create(members)
    grades = [("AAA", Decimal("50000")), ("AA", Decimal("30000")), ("A", Decimal("10000"))]
    CreditApplication.objects.bulk_create(
        [
            CreditApplication(
                household=h,
                applicant=m,
                village=village,
                status=CreditApplication.Status.LINE_SET,
                requested_amount=Decimal("50000"),
                grade=grades[i % 3][0],
                final_line=grades[i % 3][1] - 1000 * (i % 5),
                term_months=24,
                publish_consent=True,
            )
            for i, (h, m) in enumerate(zip(households, members, strict=True))
        ]
    )
    return village


def prepare() -> str:
    village = _bench_village()
    batch = NoticeBatch.objects.filter(village=village, status="published").first()
    if batch is None or not batch.is_running(date.today()):
        officer = village.officer
        draft = services.batch_create_draft(village=village, actor=officer)
        services.batch_publish(batch=draft, actor=officer)
    return f"/p/village/{CODE}/notice/"


def _wait_port(port, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit("gunicorn 未能启动")


def _get(port, path) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _sep, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def _csrf(port, form_path) -> tuple[str, str]:
    """The CSRF cookie and form token a browser would get from the objection form."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET {form_path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    text = data.decode(errors="replace")
    cookie = re.search(r"csrftoken=([^;\s]+)", text).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)
    return cookie, token


async def _flood(port, form_path, cookie, token, workers, stop, counts):
    """Objections posted from one address as fast as the server answers, until `stop`."""
    from urllib.parse import urlencode

    body = urlencode(
        {"csrfmiddlewaretoken": token, "text": "压测：同一地址连续提交异议" * 5, "entry": ""}
    ).encode()
    request = (
        f"POST {form_path} HTTP/1.0\r\nHost: 127.0.0.1\r\n"
        f"Cookie: csrftoken={cookie}\r\nReferer: http://127.0.0.1:{port}{form_path}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body

    async def worker():
        while not stop.is_set():
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            data = await reader.read()
            writer.close()
            status = data[9:12].decode()
            counts[status] = counts.get(status, 0) + 1

    await asyncio.gather(*(worker() for _ in range(workers)))


async def _client(
    port, path, total, concurrency, flood=0, form_path=""
) -> tuple[float, list[float], int, dict]:
    latencies: list[float] = []
    errors = 0
    remaining = total
    request = f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode()
    flood_counts: dict = {}
    stop = asyncio.Event()
    flooding = None
    if flood:
        cookie, token = _csrf(port, form_path)
        flooding = asyncio.create_task(
            _flood(port, form_path, cookie, token, flood, stop, flood_counts)
        )

    async def worker():
        nonlocal remaining, errors
        while remaining > 0:
            remaining -= 1
            t0 = time.perf_counter()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            data = await reader.read()
            writer.close()
            latencies.append(time.perf_counter() - t0)
            if not data.startswith(b"HTTP/1.1 200") and not data.startswith(b"HTTP/1.0 200"):
                errors += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    if flooding is not None:
        stop.set()
        await flooding
    return elapsed, latencies, errors, flood_counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--flood",
        type=int,
        default=0,
        help="同时用 N 个连接从同一地址不停提交异议（内置客户端），看页面是否变慢",
    )
    args = parser.parse_args()
    args.duration = min(args.duration, 60)
    args.requests = min(args.requests, 50000)

    path = prepare()
    env = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    gunicorn = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "creditcoop.wsgi",
            "-b",
            f"127.0.0.1:{args.port}",
            "-w",
            str(args.workers),
            "-k",
            args.worker_class,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_port(args.port)
        for _i in range(2 * args.workers):  # let every worker load its code
            _get(args.port, path)
        # First request after a change: rendered afresh (what every notice change costs once).
        publiccache.bump(Village.objects.get(code=CODE).pk)
        t0 = time.perf_counter()
        status, body = _get(args.port, path)
        print(f"改动后首次请求（重新渲染）：{(time.perf_counter() - t0) * 1000:.0f} ms")
        html = body.decode()
        rows = len(re.findall(r"<tr><td>", html))
        ids = len(re.findall(r"419999\d{11}[\dX]", html))
        phones = len(re.findall(r"1380000\d{4}", html))
        print(f"页面 {path}: HTTP {status}, {len(body) // 1024} KB, 名单 {rows} 行")
        print(f"页面中身份证号 {ids} 个、农户电话 {phones} 个（应为 0）")
        for _i in range(50):  # warm every worker's connections
            _get(args.port, path)
        cores = os.cpu_count()
        print(f"gunicorn {args.workers} 个 {args.worker_class} 进程，{cores} 核，仅 127.0.0.1")
        wrk = shutil.which("wrk") if not args.flood else None
        if wrk:
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
                f.write(WRK_LUA)
            out = subprocess.run(
                [
                    wrk,
                    "-t2",
                    f"-c{args.connections}",
                    f"-d{args.duration}s",
                    "-s",
                    f.name,
                    f"http://127.0.0.1:{args.port}{path}",
                ],
                capture_output=True,
                text=True,
                timeout=args.duration + 30,
            ).stdout
            os.unlink(f.name)
            rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
            p95 = int(re.search(r"P95_US (\d+)", out).group(1)) / 1000
            p50 = int(re.search(r"P50_US (\d+)", out).group(1)) / 1000
            total = int(re.search(r"REQUESTS (\d+)", out).group(1))
            bad = int(re.search(r"NON2XX (\d+)", out).group(1))
            print(
                f"wrk {args.connections} 连接 {args.duration} 秒：{total} 次请求，非 200 {bad} 次"
            )
        else:
            form_path = f"/p/village/{CODE}/objection/"
            elapsed, lat, bad, flood_counts = asyncio.run(
                _client(
                    args.port, path, args.requests, args.connections, args.flood, form_path
                )
            )
            if args.flood:
                answers = "，".join(f"HTTP {k} {v} 次" for k, v in sorted(flood_counts.items()))
                print(f"同时 {args.flood} 个连接从同一地址提交异议：{answers}")
            rps = len(lat) / elapsed
            lat.sort()
            p95 = lat[int(len(lat) * 0.95) - 1] * 1000
            p50 = statistics.median(lat) * 1000
            print(f"内置客户端 {args.connections} 并发 {len(lat)} 次请求，非 200 {bad} 次")
        print(f"吞吐 {rps:.0f} 次/秒，p50 {p50:.1f} ms，p95 {p95:.1f} ms")
        print("目标：≥ 300 次/秒，p95 < 50 ms —", "达标" if rps >= 300 and p95 < 50 else "未达标")
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)


if __name__ == "__main__":
    main()
