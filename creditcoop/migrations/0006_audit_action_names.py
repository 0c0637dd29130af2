"""Audit actions renamed to the one rule `<app>.<verb>` (the trail is otherwise append-only)."""

from django.db import migrations

RENAMES = {
    "修改本人密码": "creditcoop.password_change",
    "后台新增": "admin.create",
    "后台修改": "admin.change",
    "后台删除": "admin.delete",
    "后台重设密码": "admin.password_reset",
    "deadline_open": "servicehall.deadline_open",
    "deadline_stop": "servicehall.deadline_stop",
    "deadline_reassign": "servicehall.deadline_reassign",
    "accountability_confirm": "servicehall.accountability_confirm",
    "accountability_waive": "servicehall.accountability_waive",
    "walkin_register": "servicehall.walkin_register",
    "walkin_answer": "servicehall.walkin_answer",
    "walkin_decide": "servicehall.walkin_decide",
    "duty_shift_add": "servicehall.duty_shift_add",
    "duty_shift_remove": "servicehall.duty_shift_remove",
    "duty_roster_autofill": "servicehall.duty_roster_autofill",
    "duty_roster_publish": "servicehall.duty_roster_publish",
    "duty_roster_withdraw": "servicehall.duty_roster_withdraw",
    "loan_type_create": "servicehall.loan_type_create",
    "loan_type_change": "servicehall.loan_type_change",
    "登记农户": "villages.household_create",
    "修改农户": "villages.household_update",
    "导入农户": "villages.household_import",
    "新增村民小组": "villages.group_create",
    "新增评审小组成员": "villages.committee_member_add",
    "修改评审小组成员": "villages.committee_member_update",
    "结束评审小组成员任期": "villages.committee_member_end",
    "保存工作配档表": "villages.schedule_save",
    "录入推广村调查": "villages.survey_create",
    "修改推广村调查": "villages.survey_update",
    "推荐推广村": "villages.survey_propose",
    "批准推广村": "villages.survey_approve",
    "不批准推广村": "villages.survey_reject",
    "contract_sign": "loans.contract_sign",
    "contract_close": "loans.contract_close",
    "certificate_issue": "loans.certificate_issue",
    "incentive_accrue": "loans.incentive_accrue",
    "village_grant": "loans.village_grant",
    "loan_draw": "loans.loan_draw",
    "counter_refuse": "loans.counter_refuse",
    "loan_repay": "loans.loan_repay",
    "repayment_reverse": "loans.repayment_reverse",
    "loan_classify": "loans.loan_classify",
}

UPDATE = "UPDATE creditcoop_auditlog SET action = %s WHERE action = %s"
TRIGGER = "ALTER TABLE creditcoop_auditlog {} TRIGGER creditcoop_auditlog_no_update"


def _rename(schema_editor, pairs):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(TRIGGER.format("DISABLE"))
        cursor.executemany(UPDATE, pairs)
        cursor.execute(TRIGGER.format("ENABLE"))


def forwards(apps, schema_editor):
    _rename(schema_editor, [(new, old) for old, new in RENAMES.items()])


def backwards(apps, schema_editor):
    _rename(schema_editor, [(old, new) for old, new in RENAMES.items()])


class Migration(migrations.Migration):
    dependencies = [("creditcoop", "0005_workflow_event")]

    operations = [migrations.RunPython(forwards, backwards)]
