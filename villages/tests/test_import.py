"""Excel import: template, preview with every row's errors, all-or-nothing confirm."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from creditcoop.models import AuditLog
from tests import factories as f
from villages.models import Household, HouseholdImport

from .conftest import db_counts

pytestmark = pytest.mark.django_db

HEADER = [
    "村民小组",
    "户主身份证号码",
    "姓名",
    "与户主关系",
    "身份证号码",
    "手机号",
    "住址",
    "主营项目",
]


def ids(n):
    return [f.make_id_number(100 + i, area="410106") for i in range(n)]


def xlsx(rows, header=HEADER, name="households.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.name = name
    buf.seek(0)
    return buf


def upload(client, village, fileobj):
    return client.post(f"/villages/{village.pk}/import/", {"file": fileobj})


def good_rows():
    a, b, c = ids(3)
    return [
        ["一组", a, "张三", "户主", a, "13800000001", "一组1号", "种植"],
        ["", a, "李梅", "配偶", b, "", "", ""],
        ["1", c, "赵六", "户主", c, "13800000002", "一组2号", "养殖"],
    ]


def test_template_has_the_columns_and_text_id_cells(org, login):
    resp = login(org.officer1).get(f"/villages/{org.village_a1.pk}/import/template/")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    ws = wb["农户名单"]
    assert [c.value for c in ws[1]] == HEADER
    assert ws["E2"].number_format == "@"
    assert "一组" in " ".join(str(r[0].value) for r in wb["填写说明"].iter_rows())


def test_clean_sheet_previews_then_imports_in_one_go(org, login):
    client = login(org.officer1)
    before = db_counts()
    resp = upload(client, org.village_a1, xlsx(good_rows()))
    batch = HouseholdImport.objects.get()
    assert resp.status_code == 302 and str(batch.token) in resp.url
    assert db_counts() == before  # the preview saves no household
    body = client.get(resp.url).content.decode()
    assert "检查通过：2 户，3 人" in body
    resp = client.post(resp.url)
    assert resp.status_code == 302
    zhang = Household.objects.get(head_name="张三")
    assert zhang.village == org.village_a1 and zhang.group == org.group_a1
    assert zhang.address == "一组1号" and zhang.phone == "13800000001"
    assert sorted(zhang.members.values_list("name", "relation", "initials")) == [
        ("张三", "head", "zs"),
        ("李梅", "spouse", "lm"),
    ]
    assert Household.objects.count() == 2
    log = AuditLog.objects.get(action="villages.household_import")
    assert log.changes["households"] == 2 and log.actor == org.officer1
    assert log.changes["members"] == 3 and log.changes["file"] == "households.xlsx"
    batch.refresh_from_db()
    assert batch.status == "done" and batch.rows == []  # no copy of the sheet kept
    # Confirming twice does not import twice.
    client.post(f"/villages/{org.village_a1.pk}/import/{batch.token}/")
    assert Household.objects.count() == 2


def test_every_broken_row_is_listed_and_nothing_saved(org, login):
    taken = f.HouseholdFactory(group=org.group_b1).members.get().id_number
    a, b, c, d, e = ids(5)
    bad_check = a[:17] + ("0" if a[17] != "0" else "1")
    rows = [
        ["一组", b, "张三", "户主", b, "13800000001", "", ""],
        ["一组", b, "张小", "儿子", bad_check, "", "", ""],  # bad check digit
        ["一组", b, "张二", "子女", c, "12345", "", ""],  # bad phone
        ["一组", b, "张大", "子女", c, "", "", ""],  # same ID as the row above
        ["九组", d, "钱七", "户主", d, "", "", ""],  # unknown group
        ["一组", e, "孙八", "配偶", taken, "", "", ""],  # registered elsewhere; no head for e
        ["一组", b, "", "表哥", "4101", "", "", ""],  # no name, unknown relation, malformed ID
    ]
    client = login(org.officer1)
    before = db_counts()
    resp = upload(client, org.village_a1, xlsx(rows))
    body = client.get(resp.url).content.decode()
    for message in [
        "身份证号码校验位错误",
        "电话号码格式不正确",
        "身份证号码与第 4 行重复",
        "村民小组“九组”不存在",
        "不能重复登记",
        "找不到户主",
        "姓名未填写",
        "与户主关系“表哥”无法识别",
        "身份证号码应为18位",
    ]:
        assert message in body, message
    assert "确认导入" not in body
    batch = HouseholdImport.objects.get()
    resp = client.post(f"/villages/{org.village_a1.pk}/import/{batch.token}/")
    assert Household.objects.filter(village=org.village_a1).count() == 0
    assert db_counts() == before


def test_registered_after_preview_is_caught_at_confirm(org, login):
    client = login(org.officer1)
    resp = upload(client, org.village_a1, xlsx(good_rows()))
    first_id = good_rows()[0][4]
    f.MemberFactory(household=f.HouseholdFactory(group=org.group_a2), id_number=first_id)
    before = db_counts()
    resp = client.post(resp.url, follow=True)
    assert "处错误" in resp.content.decode()
    assert db_counts() == before


def test_registered_between_check_and_save_rolls_everything_back(org, login, monkeypatch):
    """Someone registers one of the IDs after the confirm's re-check but before the insert:
    the unique index catches it, the officer is told in Chinese and nothing is saved."""
    from villages import imports

    client = login(org.officer1)
    resp = upload(client, org.village_a1, xlsx(good_rows()))
    preview_url = resp.url
    real_check = imports.sheet_check
    other_household = f.HouseholdFactory(group=org.group_a2, head_name="何大")
    spouse_id = good_rows()[1][4]

    def check_then_someone_registers(rows, *, village):
        errors = real_check(rows, village=village)
        f.MemberFactory(household=other_household, name="何妻", id_number=spouse_id)
        return errors

    monkeypatch.setattr(imports, "sheet_check", check_then_someone_registers)
    before = db_counts()
    resp = client.post(preview_url, follow=True)
    body = resp.content.decode()
    assert "表格中的身份证号码刚被他人登记，请重新上传核对。" in body
    assert db_counts() == before
    assert not Household.objects.filter(village=org.village_a1).exists()
    assert not AuditLog.objects.filter(action="villages.household_import").exists()
    assert HouseholdImport.objects.get().status == HouseholdImport.Status.PENDING


@pytest.mark.parametrize(
    "content,name,message",
    [
        ("name,id\n张三,410101\n".encode(), "households.csv", "不是 Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls", "旧版 Excel"),
        (b"PK\x03\x04broken", "broken.xlsx", "不是"),
    ],
)
def test_not_excel_gives_clear_message(org, login, content, name, message):
    fileobj = io.BytesIO(content)
    fileobj.name = name
    before = db_counts()
    resp = upload(login(org.officer1), org.village_a1, fileobj)
    assert resp.status_code == 200 and message in resp.content.decode()
    assert db_counts() == before and not HouseholdImport.objects.exists()


def test_missing_header_and_numeric_ids(org, login):
    client = login(org.officer1)
    resp = upload(client, org.village_a1, xlsx([["一组", "张三"]], header=["村民小组", "姓名"]))
    assert "表头缺少：户主身份证号码、与户主关系、身份证号码" in resp.content.decode()
    resp = upload(
        client,
        org.village_a1,
        xlsx([["一组", 4.10106198005170e17, "张三", "户主", 4.10106198005170e17, "", "", ""]]),
    )
    assert "被 Excel 存成了数字" in client.get(resp.url).content.decode()


def test_preview_belongs_to_the_uploader_and_village(org, login):
    resp = upload(login(org.officer1), org.village_a1, xlsx(good_rows()))
    url = resp.url
    before = db_counts()
    director = login(org.director)
    assert director.get(url).status_code == 404
    assert director.post(url).status_code == 404
    batch = HouseholdImport.objects.get()
    wrong_village = f"/villages/{org.village_a2.pk}/import/{batch.token}/"
    assert login(org.officer2).post(wrong_village).status_code == 404
    assert db_counts() == before


def test_upload_to_village_outside_scope_is_404(org, login):
    resp = upload(login(org.officer1), org.village_b1, xlsx(good_rows()))
    assert resp.status_code == 404 and not HouseholdImport.objects.exists()


def test_stale_unconfirmed_sheets_are_dropped(org, login):
    from datetime import timedelta

    from django.utils import timezone

    client = login(org.officer1)
    upload(client, org.village_a1, xlsx(good_rows()))
    HouseholdImport.objects.update(created_at=timezone.now() - timedelta(days=2))
    stale = HouseholdImport.objects.get()
    resp = client.post(f"/villages/{org.village_a1.pk}/import/{stale.token}/", follow=True)
    assert "已过期" in resp.content.decode() and not Household.objects.exists()
    upload(client, org.village_a1, xlsx(good_rows()))
    assert list(HouseholdImport.objects.all()) != [stale]
    assert not HouseholdImport.objects.filter(pk=stale.pk).exists()
