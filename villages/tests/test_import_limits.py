"""Household import: every column fits where it is saved, checked in the preview; a workbook
that unpacks to far more than a registration sheet can hold is refused before parsing."""

import io
import time
import zipfile

import pytest

from villages import imports
from villages.models import Household, HouseholdImport

from .test_import import good_rows, ids, upload, xlsx

pytestmark = pytest.mark.django_db


def test_too_long_values_are_listed_in_the_preview_and_confirm_is_not_offered(org, login):
    client = login(org.officer1)
    a, b = ids(2)
    rows = [
        ["一组", a, "张" * 51, "户主", a, "13800000001", "村" * 201, "种" * 101],
        ["", a, "李梅", "配偶", b, "", "", ""],
    ]
    resp = upload(client, org.village_a1, xlsx(rows))
    assert resp.status_code == 302
    preview = client.get(resp.url).content.decode()
    assert "姓名最多 50 个字，这里有 51 个" in preview
    assert "住址最多 200 个字，这里有 201 个" in preview
    assert "主营项目最多 100 个字，这里有 101 个" in preview
    # confirming anyway saves nothing and is no server error
    resp = client.post(resp.url)
    assert resp.status_code in (200, 302)
    assert not Household.objects.filter(village=org.village_a1).exists()


def _bomb(unpacked_mb: int) -> io.BytesIO:
    """A valid registration sheet whose worksheet unpacks to `unpacked_mb` MB of padding."""
    source = zipfile.ZipFile(xlsx(good_rows()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data += b"<!--" + b" " * (unpacked_mb * 1024 * 1024) + b"-->"
            bomb.writestr(item.filename, data)
    out.name = "households.xlsx"
    out.seek(0)
    assert len(out.getvalue()) < imports.MAX_BYTES  # small enough to be uploaded
    return out


def test_zip_bomb_is_refused_before_it_is_parsed(org, login, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(imports, "load_workbook", never)
    bomb = _bomb(60)
    client = login(org.officer1)
    started = time.monotonic()
    resp = upload(client, org.village_a1, bomb)
    assert time.monotonic() - started < 5
    assert resp.status_code == 200
    assert "解压后" in resp.content.decode()
    assert not HouseholdImport.objects.exists()


def test_a_sheet_with_an_enormous_cell_is_refused(org, login):
    a = ids(1)[0]
    rows = [["一组", a, "张三", "户主", a, "13800000001", "x" * 5000, ""]]
    resp = upload(login(org.officer1), org.village_a1, xlsx(rows))
    assert resp.status_code == 200
    assert "第 2 行“住址”超过 1000 字" in resp.content.decode()
    assert not HouseholdImport.objects.exists()


def test_an_ordinary_sheet_still_imports(org, login):
    client = login(org.officer1)
    resp = upload(client, org.village_a1, xlsx(good_rows()))
    assert resp.status_code == 302
    client.post(resp.url)
    assert Household.objects.filter(village=org.village_a1).count() == 2
