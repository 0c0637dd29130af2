"""The suite's guard: a row lock outside a service's own transaction fails the test."""

import pytest
from django.db import transaction

import conftest
from creditcoop.models import Staff


def test_a_lock_outside_a_transaction_of_its_own_is_refused(org):
    with pytest.raises(conftest.LockOutsideTransaction, match="FOR UPDATE"):
        list(Staff.objects.select_for_update().filter(pk=org.director.pk))
    conftest._lock_violations.clear()  # seen and expected: do not fail this test for it


def test_a_lock_inside_an_atomic_block_passes(org):
    with transaction.atomic():
        assert list(Staff.objects.select_for_update().filter(pk=org.director.pk))
