"""Shared fixtures: a small union with named users for every role.

Cooperative A (东城信用社) has villages A1 (officer1's) and A2 (officer2's); cooperative B
has village B1 (officer_b's). Each named user logs in with password `pass-1234`.
"""

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API in tests
os.environ.setdefault("SECRET_KEY", "test-only-key")
# Ledger export files of a test run go to a directory of their own (and see _export_dir).
os.environ.setdefault("EXPORT_DIR", tempfile.mkdtemp(prefix="cc-exports-"))

PASSWORD = "pass-1234"
ROOT = Path(__file__).resolve().parent


def pytest_configure(config):
    from django.conf import settings
    from django.test.signals import template_rendered

    from tests import coverage_check

    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.coverage_check.ViewRecorder"]
    # A run of its own on the shared Redis: the live server's thread has its own cache
    # instance, which the per-test prefix below does not reach.
    settings.CACHES["default"]["KEY_PREFIX"] = f"run{uuid.uuid4().hex[:10]}"
    template_rendered.connect(coverage_check.record_template, dispatch_uid="cov-templates")


def pytest_sessionfinish(session, exitstatus):
    """On a whole-suite run, fail when a URL or template was never exercised."""
    whole = session.config.args_source == pytest.Config.ArgsSource.TESTPATHS or (
        session.config.args in ([], [str(ROOT)], ["."])
    )
    if exitstatus != 0 or not whole or session.testsfailed:
        return
    if session.config.getoption("keyword") or session.config.getoption("markexpr"):
        return
    from tests import coverage_check

    views, templates = coverage_check.missing(ROOT)
    if views or templates:
        lines = ["", "Not exercised by any test:"]
        lines += [f"  url  {v}" for v in views] + [f"  tmpl {t}" for t in templates]
        print("\n".join(lines))
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Each test sees its own cache keys (lockouts, rate limits) on the real Redis."""
    from django.core.cache import caches

    from ratings.notices import selectors as notice_selectors

    notice_selectors._header_cache.clear()
    cache = caches["default"]
    old = cache.key_prefix
    cache.key_prefix = f"t{uuid.uuid4().hex[:10]}"
    yield
    cache.key_prefix = old


@pytest.fixture(autouse=True)
def _fresh_calendar_cache(_django_db_helper, django_db_blocker):
    """The holiday schedule and the default loan types are migration data, which a
    transactional test's flush removes: put them back. Rows a rolled-back test wrote must
    not linger in the process cache either."""
    from creditcoop import workdays
    from creditcoop.models import CalendarYear
    from creditcoop.servicehall.models import LoanType

    with django_db_blocker.unblock():
        if not CalendarYear.objects.exists():
            workdays.load_from_chinese_calendar()
        if not LoanType.objects.exists():
            from importlib import import_module

            from django.apps import apps

            defaults = import_module("creditcoop.servicehall.migrations.0002_default_loan_types")
            defaults.add_defaults(apps, None)
    workdays.invalidate()
    yield
    workdays.invalidate()


class LockOutsideTransaction(AssertionError):
    """A service locked rows (SELECT ... FOR UPDATE) without opening a transaction of its own."""


# Per connection, how many atomic blocks the test harness itself holds open; a lock needs
# one more (the service's own). Connections of other threads (the live server) start at 0.
_harness_atomic_blocks: dict[int, int] = {}
_lock_violations: list[str] = []
_guard_on = False


def _lock_guard(execute, sql, params, many, context):
    """Refuse SELECT ... FOR UPDATE run with no atomic block beyond the harness's own.

    Without ATOMIC_REQUESTS such a lock raises TransactionManagementError in the running
    product, while a test (already inside a transaction) would not notice.
    """
    connection = context["connection"]
    shown = sql if len(sql) < 240 else f"{sql[:60]} … {sql[-160:]}"
    harness = _harness_atomic_blocks.get(id(connection), 0)
    if _guard_on and " FOR UPDATE" in str(sql).upper() and len(connection.atomic_blocks) <= harness:
        message = (
            "A service locked rows without a transaction of its own (missing "
            f"@transaction.atomic on the public service function): {shown}"
        )
        _lock_violations.append(message)
        raise LockOutsideTransaction(message)
    return execute(sql, params, many, context)


def _install_lock_guard(sender=None, connection=None, **kwargs):
    if _lock_guard not in connection.execute_wrappers:
        connection.execute_wrappers.append(_lock_guard)


@pytest.fixture(autouse=True)
def _locks_need_a_transaction(_fresh_calendar_cache):
    """Fail the test when any SELECT ... FOR UPDATE runs outside a service's own transaction."""
    global _guard_on
    from django.db import connections
    from django.db.backends.signals import connection_created

    connection_created.connect(_install_lock_guard, dispatch_uid="lock-guard")
    for connection in connections.all():
        _install_lock_guard(connection=connection)
        _harness_atomic_blocks[id(connection)] = len(connection.atomic_blocks)
    _lock_violations.clear()
    _guard_on = True
    yield
    _guard_on = False
    _harness_atomic_blocks.clear()
    if _lock_violations:
        pytest.fail("\n".join(_lock_violations), pytrace=False)


@pytest.fixture
def org(db):
    from creditcoop.models import Role
    from tests import factories as f

    union = f.UnionFactory()
    coop_a = f.CooperativeFactory(union=union, name="东城信用社", code="A001")
    coop_b = f.CooperativeFactory(union=union, name="西城信用社", code="B001")

    def staff(username, name, roles, coop=coop_a, grade=None):
        return f.StaffFactory(
            username=username,
            name=name,
            roles=roles,
            cooperative=coop,
            union=union,
            officer_grade=grade,
        )

    users = {
        "director": staff("D001", "周主任", [Role.DIRECTOR]),
        "deputy": staff("D002", "吴副主任", [Role.DEPUTY]),
        "officer1": staff("O001", "郑信贷", [Role.OFFICER], grade=1),
        "officer2": staff("O002", "王信贷", [Role.OFFICER], grade=2),
        "officer3": staff("O003", "冯信贷", [Role.OFFICER], grade=3),
        "reviewer": staff("R001", "陈审贷", [Role.REVIEW_GROUP]),
        "teller": staff("T001", "褚柜员", [Role.TELLER]),
        "archivist": staff("K001", "卫档案", [Role.ARCHIVIST]),
        "auditor": staff("U001", "蒋稽核", [Role.AUDITOR], coop=None),
        "union_risk": staff("U002", "沈风险", [Role.UNION_RISK], coop=None),
        "union_asset": staff("U003", "韦保全", [Role.UNION_ASSET], coop=None),
        "admin": staff("X001", "韩管理", [Role.ADMIN], coop=None),
        "officer_b": staff("O101", "杨信贷", [Role.OFFICER], coop=coop_b, grade=1),
        "director_b": staff("D101", "朱主任", [Role.DIRECTOR], coop=coop_b),
        "committee": staff("W001", "孙书记", [Role.COMMITTEE], coop=coop_a),
    }
    village_a1 = f.VillageFactory(cooperative=coop_a, name="张庄村", officer=users["officer1"])
    village_a2 = f.VillageFactory(cooperative=coop_a, name="李屯村", officer=users["officer2"])
    village_b1 = f.VillageFactory(cooperative=coop_b, name="王湾村", officer=users["officer_b"])
    f.CommitteeMemberFactory(village=village_a1, staff=users["committee"], name="孙书记")

    class Org:
        pass

    o = Org()
    o.union, o.coop_a, o.coop_b = union, coop_a, coop_b
    o.village_a1, o.village_a2, o.village_b1 = village_a1, village_a2, village_b1
    o.group_a1 = f.VillageGroupFactory(village=village_a1, number=1, name="一组")
    o.group_a2 = f.VillageGroupFactory(village=village_a2, number=1, name="一组")
    o.group_b1 = f.VillageGroupFactory(village=village_b1, number=1, name="一组")
    for key, user in users.items():
        setattr(o, key, user)
    o.users = users
    return o


@pytest.fixture
def login(client):
    """login(user) → the test client logged in as that user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(scope="session")
def browser():
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(chromium):
        pytest.skip("Debian chromium 未安装")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-gpu",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(10000)
    yield pg
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    pg = context.new_page()
    pg.set_default_timeout(10000)
    yield pg
    context.close()


# --- archives ---------------------------------------------------------------------


@pytest.fixture
def clerk(org):
    """Cooperative A's loan-office clerk (信贷内勤), who prepares the loan files."""
    from creditcoop.models import Role
    from tests import factories as f

    return f.StaffFactory(
        username="N001",
        name="秦内勤",
        roles=[Role.CLERK],
        cooperative=org.coop_a,
        union=org.union,
    )


# Data that migrations seed (model, migration module, function): a transactional test's flush
# removes it, so it is put back before the next test when its table is empty.
MIGRATION_DATA = [
    ("archives.DirectoryTemplate", "archives.migrations.0002_defaults", "forwards"),
    ("archives.ApprovalRule", "archives.migrations.0002_defaults", "forwards"),
    ("recovery.VintageScheme", "recovery.migrations.0004_vintage_schemes", "seed"),
    ("recovery.WriteOffLevel", "recovery.writeoff_defaults", "seed"),
    ("recovery.WriteOffCondition", "recovery.writeoff_defaults", "seed"),
]


@pytest.fixture(autouse=True)
def _migration_data(_fresh_calendar_cache, _django_db_helper, django_db_blocker):
    """Put back the migration-seeded defaults (the farm-loan directory, the borrowing matrix,
    the vintage schemes, …) that a transactional test's flush removed (like the calendar)."""
    from importlib import import_module

    from django.apps import apps

    with django_db_blocker.unblock():
        done = set()
        for label, module, function in MIGRATION_DATA:
            if (module, function) in done or apps.get_model(label).objects.exists():
                continue
            empty = all(
                not apps.get_model(other).objects.exists()
                for other, m, fn in MIGRATION_DATA
                if (m, fn) == (module, function)
            )
            if empty:
                getattr(import_module(module), function)(apps, None)
                done.add((module, function))


@pytest.fixture(autouse=True, scope="session")
def _export_dir(tmp_path_factory):
    """One export directory per xdist worker: the workers inherit the controller's environment,
    and their test databases number the export jobs alike."""
    from django.conf import settings

    settings.EXPORT_DIR = tmp_path_factory.mktemp("exports")
