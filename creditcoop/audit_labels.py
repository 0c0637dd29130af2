"""What the audit trail shows a person: Chinese names of actions, object types and fields,
values as they are read (a status by its label, money with two decimals), and the page of
the object a row is about.

Action names follow one rule, ``<app>.<verb>``; every action the product writes is listed
in ``ACTIONS``. Object types and fields are named by their models' ``verbose_name``;
``FIELDS`` names the entries of ``changes`` that are not model fields.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# Apps whose models appear in the trail (the object type drop-down lists their models).
PRODUCT_APPS = (
    "creditcoop",
    "villages",
    "ratings",
    "notices",
    "loans",
    "servicehall",
    "recovery",
    "archives",
)

ACTIONS = {
    # creditcoop and the admin site
    "creditcoop.password_change": _("修改本人密码"),
    "admin.create": _("后台新增"),
    "admin.change": _("后台修改"),
    "admin.delete": _("后台删除"),
    "admin.password_reset": _("后台重设密码"),
    # ledger exports
    "reporting.export_start": _("导出台账"),
    "reporting.export_download": _("下载导出文件"),
    # service hall
    "servicehall.deadline_open": _("开始计时"),
    "servicehall.deadline_stop": _("时限办结"),
    "servicehall.deadline_reassign": _("时限转交他人"),
    "servicehall.accountability_confirm": _("确认追责"),
    "servicehall.accountability_waive": _("免于追责"),
    "servicehall.walkin_register": _("登记来访"),
    "servicehall.walkin_answer": _("答复客户"),
    "servicehall.walkin_decide": _("审批办结"),
    "servicehall.duty_shift_add": _("增加值班"),
    "servicehall.duty_shift_remove": _("删除值班"),
    "servicehall.duty_roster_autofill": _("自动排班"),
    "servicehall.duty_roster_publish": _("发布值班表"),
    "servicehall.duty_roster_withdraw": _("撤回值班表"),
    "servicehall.loan_type_create": _("新增贷款种类"),
    "servicehall.loan_type_change": _("修改贷款种类"),
    # villages
    "villages.household_create": _("登记农户"),
    "villages.household_update": _("修改农户"),
    "villages.household_import": _("导入农户"),
    "villages.group_create": _("新增村民小组"),
    "villages.committee_member_add": _("新增评审小组成员"),
    "villages.committee_member_update": _("修改评审小组成员"),
    "villages.committee_member_end": _("结束评审小组成员任期"),
    "villages.schedule_save": _("保存工作配档表"),
    "villages.survey_create": _("录入推广村调查"),
    "villages.survey_update": _("修改推广村调查"),
    "villages.survey_propose": _("推荐推广村"),
    "villages.survey_approve": _("批准推广村"),
    "villages.survey_reject": _("不批准推广村"),
    # ratings
    "ratings.scorecard_create": _("新建评分表"),
    "ratings.scorecard_new_version": _("评分表新版本"),
    "ratings.scorecard_publish": _("启用评分表"),
    "ratings.scorecard_edit": _("修改评分表"),
    "ratings.step_limit_create": _("新增环节时限"),
    "ratings.step_limit_change": _("修改环节时限"),
    "ratings.step_limit_delete": _("删除环节时限"),
    "ratings.campaign_create": _("新建评级批次"),
    "ratings.campaign_add_households": _("评级批次增加农户"),
    "ratings.campaign_close": _("结束评级批次"),
    "ratings.create": _("登记申请"),
    "ratings.documents": _("更新申请资料"),
    "ratings.investigate": _("入户调查"),
    "ratings.history_block": _("家庭信用核查未通过"),
    "ratings.submit": _("提交评级"),
    "ratings.initial": _("村评审小组初评"),
    "ratings.review": _("信贷员审核"),
    "ratings.decide": _("评定小组评定"),
    "ratings.proposal": _("村评审小组建议额度"),
    "ratings.officer_line": _("信贷员意见"),
    "ratings.review_line": _("审贷小组意见"),
    "ratings.final_line": _("主任核定额度"),
    "ratings.advance": _("转入下一环节"),
    "ratings.reject": _("否决"),
    "ratings.revise": _("公示异议后调整"),
    # notices
    "notices.batch_create": _("生成公示批次"),
    "notices.batch_edit": _("修改公示批次"),
    "notices.entry_drop": _("撤下公示名单"),
    "notices.batch_publish": _("发布公示"),
    "notices.batch_end": _("公示结束"),
    "notices.batch_restart": _("重新公示"),
    "notices.objection_file": _("受理异议"),
    "notices.objection_assign": _("指定调查人"),
    "notices.objection_investigate": _("开始调查异议"),
    "notices.objection_findings": _("记录调查情况"),
    "notices.objection_upheld_revised": _("异议成立，调整等级/额度"),
    "notices.objection_upheld_removed": _("异议成立，撤下公示"),
    "notices.objection_rejected": _("异议不成立"),
    "notices.objection_overdue": _("异议超时提示主任"),
    # loans
    "loans.contract_sign": _("签订授信合同"),
    "loans.contract_close": _("终止授信合同"),
    "loans.certificate_issue": _("发放贷款证"),
    "loans.incentive_accrue": _("计提评审小组奖励"),
    "loans.village_grant": _("整村授信"),
    "loans.loan_draw": _("柜台用信"),
    "loans.counter_refuse": _("柜台拒绝用信"),
    "loans.loan_repay": _("还款"),
    "loans.repayment_reverse": _("冲正还款"),
    "loans.loan_classify": _("调整风险分类"),
    "loans.loan_close": _("贷款结清"),
    "loans.loan_reopen": _("冲正后贷款恢复未结清"),
    "loans.certificate_revoke": _("收回贷款证"),
    # recovery
    "villages.bad_record_create": _("新增不良信用记录"),
    "villages.bad_record_change": _("修改不良信用记录"),
    # archives
    "archives.file_open": _("建立贷款档案"),
    "archives.item_add": _("档案增加资料"),
    "archives.item_collect": _("登记资料收集"),
    "archives.file_edit": _("修改档案信息"),
    "archives.record_create": _("登记管理类档案"),
    "archives.archivefile_handed_over": _("档案移交"),
    "archives.archivefile_preparing": _("档案退回整理"),
    "archives.archivefile_in_room": _("档案入库/归位"),
    "archives.archivefile_lent": _("档案借出"),
    "archives.archivefile_transferred": _("档案移出"),
    "archives.archivefile_destroyed": _("档案销毁"),
    "archives.series_move": _("档案转入不良类系列"),
    "archives.colour_change": _("档案四色分类变动"),
    "archives.balance_record": _("登记档案余额"),
    "archives.handoverbatch_submitted": _("提交移交清单"),
    "archives.handoverbatch_closed": _("移交清单办结"),
    "archives.handover_create": _("编制移交清单"),
    "archives.handover_check": _("逐项核对移交档案"),
    "archives.file_intake": _("档案入库编号"),
    # a draft transfer list thrown away
    "archives.handover_discard": _("作废移交清单草稿"),
    "archives.borrowing_request": _("登记借阅申请"),
    "archives.borrowing_approved": _("批准借阅"),
    "archives.borrowing_refused": _("不予借阅"),
    "archives.borrowing_cancelled": _("撤销借阅"),
    "archives.borrowing_issued": _("借出档案（借阅人签字）"),
    "archives.borrowing_returned": _("归还档案并验收"),
    "archives.borrowing_take_out_approve": _("外部单位借出加批"),
    "archives.accounting_import": _("导入会计余额"),
    "archives.destruction_create": _("编制销毁清单"),
    "archives.destructionbatch_approved": _("批准销毁清单"),
    "archives.destructionbatch_destroyed": _("监销并销毁"),
    "archives.destructionbatch_cancelled": _("撤销销毁清单"),
    "archives.inspection_record": _("登记档案检查"),
    "archives.inspectionfinding_rectified": _("检查问题整改"),
    "archives.stock_import": _("导入存量档案"),
    "recovery.record_enter": _("不良贷款自动登记"),
    "recovery.record_import": _("导入表外不良贷款"),
    "recovery.record_update": _("修改不良贷款登记"),
    "recovery.record_recovered": _("不良贷款已收回"),
    "recovery.guarantor_add": _("登记保证人"),
    "recovery.event_add": _("登记诉讼时效事项"),
    "recovery.assessment_save": _("偿还可能性认定"),
    # recovery: village roll and blacklist
    "recovery.roll_create": _("编制清收公告"),
    "recovery.roll_line_check": _("清收公告逐笔核对借据"),
    "recovery.roll_checked": _("清收公告核对完毕"),
    "recovery.roll_reopen": _("清收公告退回核对"),
    "recovery.roll_witness": _("登记清收公告村委会证明人"),
    "recovery.roll_post": _("张贴清收公告"),
    "recovery.roll_receipt": _("登记清收公告入户回执"),
    "recovery.roll_print": _("打印清收公告"),
    "recovery.consent_record": _("登记公布姓名单独同意"),
    "recovery.blacklist_add": _("列入黑名单"),
    "recovery.blacklist_exit": _("还清本息退出黑名单"),
    "recovery.blacklist_default_end": _("登记违约行为终止日"),
    "recovery.blacklist_lapse": _("黑名单保存期满失效"),
    # Recovery: collection actions and notices (collect).
    "recovery.action_add": _("登记催收记录"),
    "recovery.notice_print": _("打印催收通知书"),
    "recovery.notice_batch": _("批量打印催收通知书"),
    "recovery.notice_receipt": _("登记催收通知书回执"),
    # recovery: results, baseline and ranking (board)
    "recovery.entry_record": _("登记不良贷款收回"),
    "recovery.entry_derive": _("柜面还款计入不良贷款收回"),
    "recovery.entry_drop": _("冲正还款撤销不良贷款收回"),
    "recovery.baseline_lock": _("锁定年初不良贷款基数"),
    "recovery.ranking_publish": _("发布月度清收业绩排名"),
    # Repayment agreements and lawsuits (agree).
    "recovery.agreement_create": _("编制还款协议"),
    "recovery.agreement_approve": _("批准还款协议例外"),
    "recovery.agreement_sign": _("签署还款协议"),
    "recovery.agreement_payment": _("登记协议还款"),
    "recovery.agreement_kept": _("还款协议履行完毕"),
    "recovery.agreement_broken": _("还款协议违约"),
    "recovery.agreement_cancel": _("作废还款协议"),
    "recovery.lawsuit_file": _("登记起诉"),
    "recovery.lawsuit_update": _("更新诉讼案件"),
    # Recovery: responsibility (主责任人制).
    "recovery.responsible_add": _("登记贷款责任人"),
    "recovery.loss_assess": _("认定不良贷款损失及责任分担"),
    "recovery.force_majeure_extend": _("登记不可抗力延期"),
    "recovery.deduction_record": _("登记责任赔偿扣款"),
    "recovery.escalation_open": _("生成信贷员责任追究"),
    "recovery.escalation_decide": _("责任追究处理决定"),
    # recovery: incentives, officer targets, risk deposits
    "recovery.incentive_compute": _("计算清收收回信息单"),
    "recovery.incentive_check": _("审核清收收回信息单"),
    "recovery.incentive_pay": _("登记清收奖励发放"),
    "recovery.targets_set": _("下达信贷员月度清收任务"),
    "recovery.deposit_compute": _("计提风险保证金"),
    "recovery.deposit_decide": _("决定风险保证金返还或扣罚"),
    # recovery: entrusted collection by an outside firm (agency)
    "recovery.agency_create": _("登记托管清收机构"),
    "recovery.agency_whitelist": _("托管清收机构列入白名单"),
    "recovery.agency_member_add": _("登记托管清收机构人员"),
    "recovery.agency_package_create": _("建立托管清收资产包"),
    "recovery.agency_package_end": _("结束托管清收资产包"),
    "recovery.agency_handover_report": _("登记托管机构收款"),
    "recovery.agency_handover_settle": _("确认托管机构收款移交"),
    "recovery.agency_fee_compute": _("编制托管清收季度费用清单"),
    "recovery.agency_fee_invoice": _("登记托管机构发票"),
    "recovery.agency_fee_approve": _("审批托管清收季度费用"),
    # recovery: write-off and debt-for-asset
    "recovery.writeoff_prepare": _("编制呆账核销申报"),
    "recovery.writeoff_edit": _("修改呆账核销申报"),
    "recovery.writeoff_submit": _("提交呆账核销申报"),
    "recovery.writeoff_approve": _("呆账核销逐级审批"),
    "recovery.writeoff_refuse": _("呆账核销未获批准"),
    "recovery.writeoff_approved": _("呆账核销审批通过"),
    "recovery.writeoff_book": _("呆账核销（账销案存）"),
    "recovery.record_write_off": _("不良贷款转为已核销（账销案存）"),
    "recovery.writeoff_recover": _("登记核销后收回"),
    "recovery.asset_create": _("登记抵债资产"),
    "recovery.asset_lease": _("抵债资产出租"),
    "recovery.asset_dispose": _("抵债资产处置"),
    "recovery.asset_own_use_request": _("申请抵债资产自用"),
    "recovery.asset_own_use_decide": _("审批抵债资产自用"),
    "recovery.asset_own_use": _("抵债资产折价转为自用"),
    # recovery: internal contracted collection (contract)
    "recovery.package_build": _("组建承包清收贷款包"),
    "recovery.package_publish": _("公示承包清收贷款包"),
    "recovery.package_discard": _("撤销承包清收贷款包"),
    "recovery.contractor_register": _("报名参加承包竞标并缴纳定金"),
    "recovery.bid_submit": _("提交承包竞标报价"),
    "recovery.package_award": _("承包清收贷款包定标"),
    "recovery.contract_sign": _("签订承包清收协议"),
    "recovery.contract_collector": _("承包期间变更清收责任人"),
    "recovery.contractor_full_time": _("承包人转为专职清收"),
    "recovery.contract_end": _("终止承包清收协议"),
    "recovery.slip_compute": _("计算承包人月度收回信息单"),
    "recovery.slip_check": _("审核承包人月度收回信息单"),
    "recovery.slip_pay": _("发放承包清收奖励"),
    "recovery.contract_forfeit": _("没收履约保证金并由承包人赔偿"),
}

# Entries of `changes` that are not fields of the object's model.
FIELDS = {
    "status": _("状态"),
    "reason": _("理由"),
    "note": _("说明"),
    "from": _("原状态"),
    "to": _("新状态"),
    "members": _("到会成员"),
    "held_on": _("评定日期"),
    "campaign": _("评级批次"),
    "responsible": _("责任人"),
    "shifts": _("班次数"),
    "password": _("密码"),
    "limitation_expires_on": _("诉讼时效届满日"),
    "records": _("笔数"),
    "file": _("文件"),
    "party": _("送达对象"),
    "total": _("合计（元）"),
    "count": _("份数"),
    "instalments": _("期数"),
    "exception": _("例外事项"),
    "owed": _("尚欠"),
}

# Pages of objects, by object type: the URL name that takes the object's id.
OBJECT_PAGES = {
    "villages.village": "villages:village_detail",
    "villages.household": "villages:household_detail",
    "villages.promotionsurvey": "villages:promotion_detail",
    "ratings.creditapplication": "ratings:application_detail",
    "ratings.ratingcampaign": "ratings:campaign_day",
    "notices.noticebatch": "notices:batch_detail",
    "notices.objection": "notices:objection_detail",
    "loans.grantbatch": "loans:batch_detail",
    "loans.creditcontract": "loans:contract_detail",
    "loans.loan": "loans:loan_detail",
    "servicehall.walkin": "servicehall:walkin_detail",
    "archives.archivefile": "archives:file_detail",
    "archives.handoverbatch": "archives:handover_detail",
    "archives.borrowing": "archives:borrowing_detail",
    "archives.destructionbatch": "archives:destruction_detail",
    "archives.inspection": "archives:inspection_detail",
    "recovery.nplrecord": "recovery:record_detail",
    "recovery.collectionroll": "recovery:roll_detail",
    "recovery.collectionnotice": "recovery:notice_print",
    "recovery.repaymentagreement": "recovery:agreement_detail",
    "recovery.lawsuit": "recovery:lawsuit_detail",
    "recovery.incentiveslip": "recovery:incentive_slip",
    "recovery.agencypackage": "recovery:agency_package_detail",
    "recovery.agencyfeelist": "recovery:agency_fee_detail",
    "recovery.writeoffdossier": "recovery:writeoff_detail",
    "recovery.debtasset": "recovery:asset_detail",
    "recovery.collectionpackage": "recovery:package_detail",
    "recovery.collectioncontract": "recovery:contract_detail",
    "servicehall.accountability": "servicehall:accountability_detail",
}


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


def _model(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    model = _model(object_type)
    return str(model._meta.verbose_name) if model else object_type


def object_type_choices() -> list[tuple[str, str]]:
    """Every product model, by its Chinese name (the audit page's drop-down)."""
    choices = []
    for label in PRODUCT_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            choices.append((model._meta.label_lower, str(model._meta.verbose_name)))
    return sorted(choices, key=lambda c: (c[1], c[0]))


def object_url(object_type: str, object_id: str) -> str:
    name = OBJECT_PAGES.get(object_type)
    if not name:
        return ""
    try:
        return reverse(name, args=[object_id])
    except NoReverseMatch:
        return ""


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a name that is not a field
        return None


def field_label(object_type: str, name: str) -> str:
    field = _field(_model(object_type), name)
    if field is not None and hasattr(field, "verbose_name"):
        return str(field.verbose_name)
    return str(FIELDS.get(name, name))


def _one_value(field, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if field is not None and getattr(field, "choices", None):
        for key, label in field.flatchoices:
            if str(key) == str(value):
                return str(label)
    if isinstance(field, models.DecimalField) and field.decimal_places == 2:
        try:
            return f"{Decimal(str(value)):,.2f}"
        except InvalidOperation:
            return str(value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{_one_value(None, v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_one_value(field, v) for v in value)
    return str(value)


def value_text(object_type: str, name: str, value) -> str:
    """A recorded value as a person reads it; a change [old, new] reads "old → new"."""
    model = _model(object_type)
    field = _field(model, name)
    if name in ("from", "to"):
        field = _field(model, "status")
    if isinstance(value, list) and len(value) == 2 and not _is_list_field(field):
        return f"{_one_value(field, value[0])} → {_one_value(field, value[1])}"
    return _one_value(field, value)


def _is_list_field(field) -> bool:
    return isinstance(field, (models.JSONField, models.ManyToManyField))


def change_lines(log) -> list[tuple[str, str]]:
    """(field label, value text) for each entry of an audit row's changes."""
    changes = log.changes if isinstance(log.changes, dict) else {}
    return [
        (field_label(log.object_type, k), value_text(log.object_type, k, v))
        for k, v in changes.items()
    ]
