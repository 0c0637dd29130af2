"""The grant gate and objection registration on PostgreSQL: they lock the same notice rows,
so an objection registered while a grant is being made is never missed by it."""

import threading
import time

import pytest
from django.db import DatabaseError, connection, transaction

from creditcoop.errors import DomainError
from loans.models import CreditContract
from loans.tests import factories as lf
from ratings.notices import services
from ratings.notices.gate import grant_blocker
from ratings.notices.models import Objection

pytestmark = pytest.mark.django_db(transaction=True)


def _waiting_on_a_lock(thread, seconds=10) -> bool:
    """True once another session of this database waits on a row lock; False if `thread`
    finished first (it did not wait) or nothing waited in time."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not thread.is_alive():
            return False
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cur.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


def _in_thread(target):
    def run():
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _register_general(org, batch):
    return services.objection_file(
        batch=batch,
        text="电话反映：第一期名单整体有问题",
        channel=Objection.Channel.PHONE,
        recorded_by=org.teller,
    )


def _grant_while_an_objection_is_being_registered(org, reposted) -> dict:
    """Registration of a general objection on the household's first notice holds its lock;
    the grant starts meanwhile, must wait for it, and then runs once it committed."""
    assert grant_blocker(application=reposted.app) is None
    registered, release, result = threading.Event(), threading.Event(), {}

    def register():
        with transaction.atomic():
            result["objection"] = _register_general(org, reposted.first)
            registered.set()
            release.wait(20)

    def grant():
        try:
            result["contract"] = lf.contract(org, app=reposted.app)
        except DomainError as e:
            result["refused"] = str(e)
        except DatabaseError as e:
            result["error"] = e

    registering = _in_thread(register)
    assert registered.wait(20)
    granting = _in_thread(grant)
    try:
        # The grant must wait for the registration instead of reading past it.
        result["waited"] = _waiting_on_a_lock(granting)
    finally:
        release.set()
        registering.join()
        granting.join()
    return result


def test_grant_and_objection_at_once_never_both_succeed(org, reposted):
    result = _grant_while_an_objection_is_being_registered(org, reposted)
    assert result["waited"]
    assert "contract" not in result
    assert not CreditContract.objects.filter(application=reposted.app).exists()
    assert Objection.objects.get(pk=result["objection"].pk).is_open


def test_grant_waiting_for_an_objection_is_refused_with_its_reference(org, reposted):
    result = _grant_while_an_objection_is_being_registered(org, reposted)
    assert "error" not in result, result.get("error")
    refused = result["refused"]
    assert result["objection"].reference in refused and "尚未办结" in refused


def test_objection_registered_during_a_grant_waits_for_it(org, reposted):
    granted, release, result = threading.Event(), threading.Event(), {}

    def grant():
        with transaction.atomic():
            result["contract"] = lf.contract(org, app=reposted.app)
            granted.set()
            release.wait(20)

    def register():
        result["objection"] = _register_general(org, reposted.first)

    granting = _in_thread(grant)
    assert granted.wait(20)
    registering = _in_thread(register)
    try:
        assert _waiting_on_a_lock(registering)
    finally:
        release.set()
        granting.join()
        registering.join()
    # Both stand, one after the other: the objection is on the register for the director,
    # filed after the contract was signed.
    contract = CreditContract.objects.get(application=reposted.app)
    objection = Objection.objects.get(pk=result["objection"].pk)
    assert objection.is_open and objection.filed_at > contract.granted_at
