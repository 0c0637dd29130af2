"""The accounting import points each sheet row to its loan file (the reconciliation's join)."""

from datetime import date

import pytest

from archives.models import AccountingBalance
from archives.services import reconcile
from archives.tests.test_reconcile import _file, _import, _sheet

pytestmark = pytest.mark.django_db


def test_sheet_rows_point_to_the_cooperatives_file_or_to_none(org):
    mine = _file(org, recorded="5000")
    _import(org, [(mine.contract_number, "5000"), ("NO-SUCH-CONTRACT", "100")])
    links = dict(AccountingBalance.objects.values_list("contract_number", "file_id"))
    assert links == {mine.contract_number: mine.pk, "NO-SUCH-CONTRACT": None}

    # Another cooperative's sheet naming this contract does not link to coop A's file.
    reconcile.accounting_import(
        actor=org.director_b,
        cooperative=org.coop_b,
        as_of=date(2027, 7, 31),
        upload=_sheet([(mine.contract_number, "1")]),
    )
    row_b = AccountingBalance.objects.get(source__cooperative=org.coop_b)
    assert row_b.file_id is None
    assert (
        not reconcile.reconciliation_rows([org.coop_a.pk, org.coop_b.pk])
        .filter(pk=mine.pk)
        .exists()
    )
