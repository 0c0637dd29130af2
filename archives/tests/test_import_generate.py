"""`archives_generate`: a loan file for every contract without one, set-based."""

from io import StringIO

import pytest
from django.core.management import call_command

from archives.models import ArchiveFile, FileItem
from loans.models import Loan
from loans.tests import factories as lf

pytestmark = pytest.mark.django_db


def test_files_for_contracts_without_one(org):
    contracts = [lf.contract(org) for _ in range(6)]
    loan = lf.draw(org, contracts[0], "3000")
    Loan.objects.filter(pk=loan.pk).update(risk_class=3)
    kept = ArchiveFile.objects.get(contract=contracts[5])
    ArchiveFile.objects.exclude(pk=kept.pk).delete()

    out = StringIO()
    call_command("archives_generate", "--chunk", "2", stdout=out)
    assert "完成：5 份档案，60 项资料" in out.getvalue()

    files = ArchiveFile.objects.exclude(pk=kept.pk)
    assert files.count() == 5 and ArchiveFile.objects.count() == 6
    for file in files:
        contract = file.contract
        assert file.section == "b" and file.room.cooperative_id == contract.cooperative_id
        assert file.id_number == contract.borrower.id_number
        assert file.items.count() == 12
        if file.status in ("in_room", "lent", "transferred", "destroyed"):
            assert file.archive_number.startswith("A001-b-") and file.shelf and file.box
            assert file.pages == sum(i.pages for i in file.items.all())
            assert set(file.items.values_list("status", flat=True)) == {"accepted"}
        else:
            assert file.archive_number == ""
    worst = files.get(contract=contracts[0])
    assert (worst.risk_class, worst.series, worst.colour) == (3, "npl", "red")
    for file in files:
        outstanding = file.contract.outstanding
        differs = (file.contract_id * 7919) % 1000 % 200 == 7
        expected = outstanding + (100 if outstanding < 100 else -100) if differs else outstanding
        assert file.recorded_balance == expected
    iou = worst.items.get(source="iou")
    assert iou.loan_id == loan.pk and iou.reference == loan.number

    # A second run finds nothing to do.
    out = StringIO()
    call_command("archives_generate", stdout=out)
    assert "无需生成" in out.getvalue()
    assert (
        ArchiveFile.objects.count() == 6 and FileItem.objects.filter(file__in=files).count() == 60
    )
