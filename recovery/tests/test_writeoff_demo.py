from datetime import date

import pytest

from recovery.models import DebtAsset, DebtAssetWarning, NplRecord, WriteOffDossier

pytestmark = pytest.mark.django_db


def test_demo_has_a_write_off_with_a_recovery_and_an_asset_near_its_deadline(org):
    from recovery import demo

    today = date(2026, 12, 7)
    demo.seed(today=today)
    d = WriteOffDossier.objects.filter(status="written_off").first()
    assert d is not None and d.recovered > 0 and d.remaining > 0
    assert d.record.book_status == NplRecord.BookStatus.WRITTEN_OFF
    asset = DebtAsset.objects.filter(status="held").first()
    assert asset is not None and (asset.disposal_deadline - today).days == 30
    assert DebtAssetWarning.objects.filter(asset=asset, lead_days=30).exists()
    counts = (WriteOffDossier.objects.count(), DebtAsset.objects.count())
    demo.seed(today=today)
    assert counts == (WriteOffDossier.objects.count(), DebtAsset.objects.count())
