"""Defaults an administrator may change: the farm-loan directory, the approval matrix, the
numbering sequences (docs/rules.md §6)."""

from datetime import date

from django.db import migrations

DIRECTORY = [
    # (name, source, required, original)
    ("借款申请书", "", True, True),
    ("借款人身份证复印件", "", True, False),
    ("户口簿复印件", "", True, False),
    ("自然人基本情况调查表", "", True, True),
    ("信用户评定申请书", "application", True, True),
    ("个人信用报告查询授权书", "", True, True),
    ("个人信用报告", "", True, False),
    ("农户信用等级评定、审查、审批表", "application", True, True),
    ("家庭成员签字同意书", "", True, True),
    ("授信合同（面签）", "contract", True, True),
    ("面签声明及签字样本", "", True, True),
    ("担保资料（保证合同、抵质押合同及权证）", "guarantee", True, True),
    ("贷款证复印件", "certificate", True, False),
    ("借据", "iou", True, True),
    ("贷后检查及催收资料", "", False, True),
]

# (borrower type, method, authority); a combination not listed is not allowed.
MATRIX = [
    ("staff", "read", "archivist"),
    ("staff", "copy", "archivist"),
    ("staff", "take_out", "director"),
    ("union", "read", "archivist"),
    ("union", "copy", "director"),
    ("union", "take_out", "director"),
    ("police", "read", "director"),
    ("police", "copy", "director"),
    ("police", "take_out", "union"),
    ("procuratorate", "read", "director"),
    ("procuratorate", "copy", "director"),
    ("procuratorate", "take_out", "union"),
    ("court", "read", "director"),
    ("court", "copy", "director"),
    ("court", "take_out", "union"),
    ("other_body", "read", "director"),
    ("other_body", "copy", "union"),
]

SEQUENCES = ["archives_handover_seq", "archives_borrowing_seq", "archives_destruction_seq"]


def forwards(apps, schema_editor):
    Template = apps.get_model("archives", "DirectoryTemplate")
    Item = apps.get_model("archives", "DirectoryItem")
    Rule = apps.get_model("archives", "ApprovalRule")
    template = Template.objects.create(
        name="农户贷款档案目录", section="b", version=1, effective_from=date(2000, 1, 1)
    )
    Item.objects.bulk_create(
        Item(template=template, order=i, name=n, source=s, required=r, original=o)
        for i, (n, s, r, o) in enumerate(DIRECTORY, start=1)
    )
    Rule.objects.bulk_create(
        Rule(borrower_type=b, method=m, section="", authority=a) for b, m, a in MATRIX
    )


def backwards(apps, schema_editor):
    apps.get_model("archives", "DirectoryTemplate").objects.all().delete()
    apps.get_model("archives", "ApprovalRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("archives", "0001_initial")]

    operations = [
        migrations.RunSQL(
            [f"CREATE SEQUENCE IF NOT EXISTS {s}" for s in SEQUENCES],
            [f"DROP SEQUENCE IF EXISTS {s}" for s in SEQUENCES],
        ),
        migrations.RunPython(forwards, backwards),
    ]
