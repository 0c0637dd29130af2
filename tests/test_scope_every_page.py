"""Scope on every page of the project, walked from the URL configuration.

Three questions for each named URL (the admin, the public /p/ pages and the login,
logout and password pages aside):

* an object of another cooperative is a 404 for cooperative A's staff, whatever the role
  the page asks for — the same answer as for an object that does not exist;
* anonymous visitors are sent to the login page;
* the auditor (read-only) gets a 403 on every page that writes, and nothing is written;
* and, for the pages that name no object, cooperative A's staff see nothing of B on them.

A control shows cooperative B's own staff reach every one of those objects, so the 404s
are about scope and not about arguments that name nothing.

`PAGES` says, for every URL, which methods it answers, who in cooperative A could use it
for their own objects, and how to build its arguments from cooperative B's objects.
A new URL that is not in `PAGES` fails `test_every_page_is_in_the_map`.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from creditcoop.models import AuditLog, Role
from tests import factories as f

pytestmark = pytest.mark.django_db

GET, POST, BOTH = ("get",), ("post",), ("get", "post")
A_STAFF = ("officer1", "director")

# Pages outside the question: Django's admin, the public pages (no login by design) and
# the login/logout/password pages (their own tests in creditcoop/tests/test_auth.py).
EXEMPT_NAMES = {"login", "logout", "password_change", "password_change_done"}
EXEMPT_PREFIXES = ("admin/", "p/")

# POSTs the auditor may make: they change only the auditor's own inbox or export jobs, not
# the books.
AUDITOR_MAY_POST = {"notification_read_all", "exports:start"}


@dataclass(frozen=True)
class Page:
    methods: tuple[str, ...]
    # World → URL kwargs naming an object of cooperative B; None: the URL names no object.
    kwargs: Callable | None = None
    # Who in cooperative A holds a role the page asks for (so a 404 is about scope).
    who: tuple[str, ...] = A_STAFF
    # Who in cooperative B uses the page on those objects (the control: not a 404 for them).
    owner: str = "officer_b"
    # World → query string naming an object of cooperative B (pages that take one there).
    query: Callable | None = None
    extra: dict = field(default_factory=dict)  # any other query string the page needs

    @property
    def names_an_object(self) -> bool:
        return self.kwargs is not None or self.query is not None


def village(w):
    return {"pk": w.village.pk}


def household(w):
    return {"pk": w.household.pk}


def app(w):
    return {"pk": w.app.pk}


def campaign(w):
    return {"pk": w.campaign.pk}


def batch(w):
    return {"pk": w.batch.pk}


def objection(w):
    return {"pk": w.objection.pk}


def loan(w):
    return {"pk": w.loan.pk}


def receipt(w):
    return {"pk": w.repayment.pk}


def walkin(w):
    return {"pk": w.walkin.pk}


def accountability(w):
    return {"pk": w.accountability.pk}


def borrowing(w):
    return {"pk": w.borrowing.pk}


def npl(w):
    return {"pk": w.npl.pk}


def archive_file(w):
    return {"pk": w.archive_file.pk}


ARCHIVIST = ("archivist",)


def roll(w):
    return {"pk": w.roll.pk}


def roll_line(w):
    return {"pk": w.roll.lines.get().pk}


def agreement(w):
    return {"pk": w.agreement.pk}


def export_job(w):
    return {"pk": w.export_job.pk}


def lawsuit(w):
    return {"pk": w.lawsuit.pk}


def agency_package(w):
    return {"pk": w.agency_package.pk}


OFFICER = ("officer1",)
LEADERS = ("director",)


def cooperative_b(w):
    return {"pk": w.village.cooperative_id}


def coop_b_query(w):
    return {"coop": w.village.cooperative_id}


def package(w):
    return {"pk": w.package.pk}


def collection_contract(w):
    return {"pk": w.collection_contract.pk}


def contract_slip(w):
    return {"pk": w.contract_slip.pk}


TELLER = ("teller",)

PAGES: dict[str, Page] = {
    # creditcoop
    "home": Page(GET),
    "audit_list": Page(GET),
    # ledger exports: the jobs are their owner's alone
    "exports:index": Page(GET),
    "exports:start": Page(BOTH, extra={"ledger": "loans.loans"}),
    "exports:mine": Page(GET),
    "exports:job": Page(GET, export_job),
    "exports:progress": Page(GET, export_job),
    "exports:download": Page(GET, export_job),
    "notification_list": Page(GET),
    "notification_read_all": Page(POST),
    # villages
    "villages:village_list": Page(GET),
    "villages:village_detail": Page(GET, village),
    "villages:village_group_add": Page(POST, village),
    "villages:household_create": Page(BOTH, village),
    "villages:household_import": Page(BOTH, village),
    "villages:household_import_template": Page(GET, village),
    "villages:household_import_preview": Page(
        BOTH, lambda w: {"pk": w.village.pk, "token": w.import_batch.token}
    ),
    "villages:committee_list": Page(GET, village),
    "villages:committee_member_add": Page(BOTH, village),
    "villages:committee_member_edit": Page(BOTH, lambda w: {"pk": w.committee_member.pk}),
    "villages:committee_member_end": Page(POST, lambda w: {"pk": w.committee_member.pk}),
    "villages:schedule_edit": Page(BOTH, village),
    "villages:schedule_list": Page(GET),
    "villages:promotion_survey": Page(BOTH, village),
    "villages:promotion_list": Page(GET),
    "villages:promotion_detail": Page(GET, lambda w: {"pk": w.survey.pk}),
    "villages:promotion_propose": Page(
        POST, lambda w: {"pk": w.survey.pk}, who=LEADERS, owner="director_b"
    ),
    # Union staff decide for the whole union: the outsider is a neighbouring union's.
    "villages:promotion_decide": Page(
        POST, lambda w: {"pk": w.survey.pk}, who=("other_union_risk",), owner="union_risk"
    ),
    "villages:household_search": Page(GET, extra={"q": "zs"}),
    "villages:household_detail": Page(GET, household),
    "villages:household_edit": Page(BOTH, household),
    # ratings
    "ratings:campaign_list": Page(GET),
    "ratings:campaign_create": Page(BOTH),
    "ratings:campaign_day": Page(GET, campaign),
    "ratings:campaign_add_households": Page(POST, campaign),
    "ratings:campaign_advance": Page(POST, campaign),
    "ratings:campaign_decide": Page(POST, campaign, who=LEADERS, owner="director_b"),
    "ratings:campaign_close": Page(POST, campaign),
    "ratings:row": Page(BOTH, app),
    "ratings:application_list": Page(GET),
    "ratings:application_create": Page(BOTH, query=lambda w: {"household": w.household.pk}),
    "ratings:application_detail": Page(GET, app),
    "ratings:application_documents": Page(POST, app),
    "ratings:application_investigate": Page(POST, app, who=OFFICER),
    "ratings:application_submit": Page(POST, app),
    "ratings:application_step": Page(POST, app),
    "ratings:application_decide": Page(POST, app, who=("reviewer", "director"), owner="director_b"),
    "ratings:application_reject": Page(POST, app),
    "ratings:application_rejection": Page(GET, lambda w: {"pk": w.app_rejected.pk}),
    "ratings:household_history": Page(GET, household),
    "ratings:village_ledger": Page(GET, village),
    "ratings:village_approvals": Page(GET, village),
    # public notices and objections (staff side)
    "notices:batch_list": Page(GET),
    "notices:batch_create": Page(BOTH),
    "notices:batch_detail": Page(GET, batch),
    "notices:batch_edit": Page(POST, batch),
    "notices:batch_publish": Page(POST, batch),
    "notices:entry_drop": Page(POST, lambda w: {"pk": w.batch.pk, "entry_pk": w.entry.pk}),
    "notices:objection_list": Page(GET),
    "notices:objection_create": Page(BOTH),
    "notices:objection_detail": Page(GET, objection),
    "notices:objection_action": Page(POST, lambda w: {"pk": w.objection.pk, "action": "findings"}),
    # loans
    "loans:contract_list": Page(GET),
    "loans:grant_villages": Page(GET),
    "loans:grant_village": Page(BOTH, village),
    "loans:grant_single": Page(BOTH, lambda w: {"pk": w.app.pk}),
    "loans:batch_detail": Page(GET, lambda w: {"pk": w.grant_batch.pk}),
    "loans:contract_detail": Page(GET, lambda w: {"pk": w.contract.pk}),
    "loans:certificate_print": Page(GET, lambda w: {"pk": w.contract.certificate.pk}),
    "loans:counter": Page(BOTH, who=TELLER, owner="teller_b"),
    "loans:refusal_list": Page(GET, who=TELLER, owner="teller_b"),
    "loans:loan_detail": Page(GET, loan),
    "loans:iou_print": Page(GET, loan),
    "loans:loan_repay": Page(POST, loan, who=TELLER, owner="teller_b"),
    "loans:loan_classify": Page(POST, loan),
    "loans:receipt_print": Page(GET, receipt),
    "loans:receipt_reverse": Page(POST, receipt, who=("teller", "director"), owner="teller_b"),
    "loans:ledger": Page(GET, query=lambda w: {"village": w.village.pk}),
    "loans:incentive_villages": Page(GET),
    "loans:incentive_statement": Page(GET, village),
    # service hall (限时办结)
    "servicehall:walkin_list": Page(GET),
    "servicehall:walkin_create": Page(BOTH),
    "servicehall:walkin_detail": Page(GET, walkin),
    "servicehall:walkin_answer": Page(POST, walkin),
    "servicehall:walkin_decide": Page(POST, walkin, who=LEADERS, owner="director_b"),
    "servicehall:walkin_refusal": Page(GET, lambda w: {"pk": w.walkin_refused.pk}),
    "servicehall:roster": Page(GET, query=lambda w: {"coop": w.village.cooperative_id}),
    "servicehall:roster_action": Page(POST, who=LEADERS, owner="director_b"),
    "servicehall:deadline_list": Page(GET),
    "servicehall:accountability_list": Page(GET),
    "servicehall:accountability_detail": Page(GET, accountability),
    "servicehall:accountability_decide": Page(
        POST, accountability, who=LEADERS, owner="director_b"
    ),
    "servicehall:dashboard": Page(
        GET, query=lambda w: {"coop": w.village.cooperative_id}, who=LEADERS, owner="director_b"
    ),
    "servicehall:dashboard_export": Page(
        GET, query=lambda w: {"coop": w.village.cooperative_id}, who=LEADERS, owner="director_b"
    ),
    "servicehall:loan_types": Page(GET),
    # archives: reconciliation, destruction, inspections
    "archives:reconcile": Page(GET, who=("archivist", "director")),
    "archives:reconcile_export": Page(GET, who=("archivist", "director")),
    "archives:accounting_import": Page(BOTH, who=("archivist", "director")),
    "archives:balance_record": Page(
        POST, lambda w: {"pk": w.archive_file.pk}, who=("officer1", "archivist")
    ),
    "archives:destruction_list": Page(GET, who=("archivist", "director")),
    "archives:destruction_create": Page(BOTH, who=("archivist",)),
    "archives:destruction_detail": Page(
        GET, lambda w: {"pk": w.destruction.pk}, who=("archivist", "director"), owner="archivist_b"
    ),
    "archives:destruction_print": Page(
        GET, lambda w: {"pk": w.destruction.pk}, who=("archivist", "director"), owner="archivist_b"
    ),
    "archives:destruction_approve": Page(
        POST, lambda w: {"pk": w.destruction.pk}, who=LEADERS, owner="director_b"
    ),
    "archives:destruction_destroy": Page(
        POST, lambda w: {"pk": w.destruction.pk}, who=("archivist",), owner="archivist_b"
    ),
    "archives:destruction_cancel": Page(
        POST, lambda w: {"pk": w.destruction.pk}, who=("archivist", "director"), owner="archivist_b"
    ),
    "archives:inspection_list": Page(GET, who=("archivist", "director")),
    "archives:inspection_create": Page(BOTH, who=("archivist", "director")),
    "archives:inspection_detail": Page(
        GET,
        lambda w: {"pk": w.inspection.pk},
        who=("officer1", "archivist", "director"),
        owner="archivist_b",
    ),
    "archives:finding_rectify": Page(
        POST, lambda w: {"pk": w.finding.pk}, who=("archivist", "director"), owner="archivist_b"
    ),
    # archives: borrowing
    "archives:borrowing_list": Page(GET),
    "archives:borrowing_create": Page(BOTH),
    "archives:borrowing_register": Page(GET),
    "archives:borrowing_register_export": Page(GET),
    "archives:borrowing_detail": Page(GET, borrowing),
    "archives:borrowing_print": Page(GET, borrowing),
    "archives:borrowing_approve": Page(POST, borrowing, who=LEADERS, owner="director_b"),
    "archives:borrowing_refuse": Page(POST, borrowing, who=LEADERS, owner="director_b"),
    "archives:borrowing_take_out_approve": Page(
        POST, borrowing, who=("other_union_risk",), owner="union_risk"
    ),
    "archives:borrowing_issue": Page(POST, borrowing, who=("archivist",), owner="archivist_b"),
    "archives:borrowing_return": Page(POST, borrowing, who=("archivist",), owner="archivist_b"),
    "archives:borrowing_cancel": Page(POST, borrowing),
    # recovery
    "recovery:register": Page(GET),
    "recovery:record_detail": Page(GET, npl),
    "recovery:record_edit": Page(BOTH, npl),
    "recovery:event_add": Page(POST, npl),
    "recovery:guarantor_add": Page(POST, npl),
    "recovery:assessment_edit": Page(BOTH, npl),
    "recovery:expiring": Page(GET),
    "recovery:npl_import": Page(BOTH, who=LEADERS),
    "recovery:npl_import_template": Page(GET, who=LEADERS),
    "recovery:npl_import_preview": Page(
        BOTH, lambda w: {"token": w.npl_import.token}, who=LEADERS, owner="director_b"
    ),
    # archives: files
    "archives:file_list": Page(GET),
    "archives:file_labels": Page(GET, query=lambda w: {"ids": w.archive_file.pk}),
    "archives:file_detail": Page(GET, archive_file),
    "archives:file_label": Page(GET, archive_file),
    "archives:file_items_collect": Page(POST, archive_file, who=OFFICER),
    "archives:file_item_add": Page(POST, archive_file, who=OFFICER),
    "archives:file_edit": Page(POST, archive_file, who=ARCHIVIST, owner="archivist_b"),
    "archives:file_transfer": Page(POST, archive_file, who=ARCHIVIST, owner="archivist_b"),
    "archives:file_transfer_back": Page(POST, archive_file, who=ARCHIVIST, owner="archivist_b"),
    "archives:record_create": Page(BOTH, who=("archivist", "director")),
    # archives: handover and intake
    "archives:handover_list": Page(GET),
    "archives:handover_create": Page(BOTH, who=OFFICER),
    "archives:handover_detail": Page(GET, lambda w: {"pk": w.handover.pk}),
    "archives:handover_submit": Page(
        POST, lambda w: {"pk": w.handover.pk}, who=OFFICER, owner="clerk_b"
    ),
    "archives:handover_discard": Page(
        POST, lambda w: {"pk": w.handover.pk}, who=OFFICER, owner="clerk_b"
    ),
    "archives:handover_print": Page(GET, lambda w: {"pk": w.handover.pk}),
    "archives:handover_check": Page(
        BOTH, lambda w: {"pk": w.handover_line.pk}, who=("archivist",), owner="archivist_b"
    ),
    "archives:intake_register": Page(GET),
    "archives:handover_register": Page(GET),
    # recovery: village roll and blacklist
    "recovery:roll_list": Page(GET),
    "recovery:roll_create": Page(POST),
    "recovery:roll_detail": Page(GET, roll),
    "recovery:roll_witness": Page(POST, roll),
    "recovery:roll_post": Page(POST, roll),
    "recovery:roll_consent": Page(POST, roll),
    "recovery:roll_print": Page(GET, roll),
    "recovery:roll_line_check": Page(POST, roll_line),
    "recovery:roll_receipt_add": Page(POST, roll_line),
    "recovery:blacklist": Page(GET),
    "recovery:blacklist_add": Page(BOTH, npl, who=LEADERS, owner="director_b"),
    "recovery:blacklist_exit": Page(
        POST, lambda w: {"pk": w.blacklist.pk}, who=LEADERS, owner="director_b"
    ),
    # recovery: collection actions and notices (collect)
    "recovery:action_log": Page(BOTH, npl),
    "recovery:actions_today": Page(GET),
    "recovery:notice_list": Page(GET),
    "recovery:notice_create": Page(BOTH, npl),
    "recovery:notice_batch": Page(BOTH),
    "recovery:notice_batch_print": Page(GET, lambda w: {"pk": w.notice_batch.pk}),
    "recovery:notice_print": Page(GET, lambda w: {"pk": w.notice.pk}),
    "recovery:notice_receipt": Page(BOTH, lambda w: {"pk": w.notice.pk}),
    # recovery: the board, its Excel and the officers' monthly ranking (board)
    "recovery:board": Page(GET),
    "recovery:board_export": Page(GET),
    "recovery:ranking": Page(GET, who=("officer1", "director", "teller")),
    "recovery:ranking_publish": Page(
        POST, query=lambda w: {"coop": w.npl.cooperative_id}, who=LEADERS, owner="director_b"
    ),
    # recovery: repayment agreements and lawsuits (agree)
    "recovery:agreement_list": Page(GET),
    "recovery:agreement_create": Page(BOTH, npl),
    "recovery:agreement_detail": Page(GET, agreement),
    "recovery:agreement_approve": Page(BOTH, agreement, who=LEADERS, owner="director_b"),
    "recovery:agreement_sign": Page(POST, agreement),
    "recovery:agreement_payment": Page(POST, agreement),
    "recovery:agreement_cancel": Page(POST, agreement),
    "recovery:agreement_print": Page(GET, agreement),
    "recovery:lawsuit_list": Page(GET),
    "recovery:lawsuit_unenforced": Page(GET),
    "recovery:lawsuit_create": Page(BOTH, npl),
    "recovery:lawsuit_detail": Page(GET, lawsuit),
    "recovery:lawsuit_edit": Page(BOTH, lawsuit),
    # recovery: responsibility (主责任人制)
    "recovery:responsibility": Page(GET, npl),
    "recovery:responsibility_print": Page(GET, npl),
    "recovery:responsible_add": Page(POST, npl, who=LEADERS, owner="director_b"),
    "recovery:loss_assess": Page(POST, npl, who=LEADERS, owner="director_b"),
    "recovery:force_majeure_extend": Page(POST, npl, who=LEADERS, owner="director_b"),
    "recovery:deduction_add": Page(
        POST, lambda w: {"pk": w.resp_share.pk}, who=LEADERS, owner="director_b"
    ),
    "recovery:responsibility_statement": Page(GET, lambda w: {"pk": w.resp_staff.pk}),
    "recovery:escalations": Page(GET),
    "recovery:escalation_decide": Page(
        BOTH, lambda w: {"pk": w.escalation.pk}, who=LEADERS, owner="director_b"
    ),
    # recovery: incentives, officer targets, risk deposits, coordination lists
    "recovery:incentive_bands": Page(GET),
    "recovery:incentive_slips": Page(GET),
    "recovery:incentive_compute": Page(
        POST, query=lambda w: {"coop": w.npl.cooperative_id}, who=LEADERS, owner="director_b"
    ),
    "recovery:incentive_slip": Page(GET, lambda w: {"pk": w.slip.pk}),
    "recovery:incentive_slip_check": Page(
        POST, lambda w: {"pk": w.slip.pk}, who=LEADERS, owner="director_b"
    ),
    "recovery:incentive_slip_pay": Page(
        POST, lambda w: {"pk": w.slip.pk}, who=LEADERS, owner="director_b"
    ),
    "recovery:incentive_payout": Page(GET, query=lambda w: {"coop": w.npl.cooperative_id}),
    "recovery:officer_targets": Page(
        BOTH, query=lambda w: {"coop": w.npl.cooperative_id}, who=LEADERS, owner="director_b"
    ),
    "recovery:officer_results": Page(GET, query=lambda w: {"coop": w.npl.cooperative_id}),
    "recovery:risk_deposits": Page(GET, query=lambda w: {"coop": w.npl.cooperative_id}),
    "recovery:risk_deposit_compute": Page(
        POST, query=lambda w: {"coop": w.npl.cooperative_id}, who=LEADERS, owner="director_b"
    ),
    "recovery:risk_deposit_decide": Page(
        POST, lambda w: {"pk": w.deposit.pk}, who=LEADERS, owner="director_b"
    ),
    "recovery:coord_civil_servants": Page(GET),
    "recovery:coord_enterprises": Page(GET),
    # archives: the stock import, archivists only.
    "archives:import_upload": Page(BOTH, who=("archivist",)),
    "archives:import_template": Page(GET, who=("archivist",)),
    "archives:import_preview": Page(
        BOTH, lambda w: {"token": w.stock_import.token}, who=("archivist",), owner="archivist_b"
    ),
    # recovery: entrusted collection by an outside firm (agency). The firms are the union's:
    # the outsider approving the white list is a neighbouring union's asset staff.
    "recovery:agency_list": Page(BOTH, who=LEADERS),
    "recovery:agency_whitelist": Page(
        POST,
        lambda w: {"pk": w.agency_pending.pk},
        who=("other_union_asset",),
        owner="director_b",
    ),
    "recovery:agency_package_list": Page(GET),
    "recovery:agency_package_create": Page(BOTH, who=LEADERS),
    "recovery:agency_package_detail": Page(GET, agency_package, owner="director_b"),
    "recovery:agency_handover_add": Page(BOTH, agency_package, owner="director_b"),
    "recovery:agency_handover_settle": Page(
        POST, lambda w: {"pk": w.agency_handover.pk}, owner="director_b"
    ),
    "recovery:agency_fee_list": Page(BOTH, agency_package, who=LEADERS, owner="director_b"),
    "recovery:agency_fee_detail": Page(
        BOTH, lambda w: {"pk": w.agency_fee.pk}, who=LEADERS, owner="director_b"
    ),
    # recovery: write-off (核销, 账销案存) and debt-for-asset
    "recovery:writeoff_list": Page(GET),
    "recovery:writeoff_create": Page(BOTH, lambda w: {"pk": w.npl_wo.pk}),
    "recovery:writeoff_detail": Page(GET, lambda w: {"pk": w.writeoff.pk}),
    "recovery:writeoff_edit": Page(BOTH, lambda w: {"pk": w.writeoff.pk}),
    "recovery:writeoff_submit": Page(POST, lambda w: {"pk": w.writeoff.pk}),
    "recovery:writeoff_approve": Page(
        BOTH, lambda w: {"pk": w.writeoff.pk}, who=LEADERS, owner="director_b"
    ),
    "recovery:writeoff_recover": Page(POST, lambda w: {"pk": w.writeoff.pk}),
    "recovery:writeoff_print": Page(GET, lambda w: {"pk": w.writeoff.pk}),
    "recovery:asset_list": Page(GET),
    "recovery:asset_create": Page(BOTH, lambda w: {"pk": w.npl_wo.pk}),
    "recovery:asset_detail": Page(GET, lambda w: {"pk": w.asset.pk}),
    "recovery:asset_lease": Page(BOTH, lambda w: {"pk": w.asset.pk}),
    "recovery:asset_dispose": Page(BOTH, lambda w: {"pk": w.asset.pk}),
    "recovery:asset_own_use": Page(BOTH, lambda w: {"pk": w.asset.pk}),
    "recovery:asset_own_use_decide": Page(
        BOTH, lambda w: {"pk": w.asset.pk}, who=LEADERS, owner="director_b"
    ),
    # recovery: internal contracted collection (contract)
    "recovery:contract_pricing": Page(GET),
    "recovery:package_list": Page(GET),
    "recovery:package_create": Page(BOTH, who=LEADERS),
    "recovery:package_detail": Page(GET, package),
    "recovery:package_publish": Page(POST, package, who=LEADERS, owner="director_b"),
    "recovery:package_discard": Page(POST, package, who=LEADERS, owner="director_b"),
    "recovery:package_register": Page(POST, package),
    "recovery:package_bid": Page(POST, package),
    "recovery:package_award": Page(BOTH, package, who=LEADERS, owner="director_b"),
    "recovery:package_sign": Page(POST, package, who=LEADERS, owner="director_b"),
    "recovery:contract_list": Page(GET),
    "recovery:contract_detail": Page(GET, collection_contract),
    "recovery:contract_print": Page(GET, collection_contract),
    "recovery:contract_end": Page(POST, collection_contract, who=LEADERS, owner="director_b"),
    "recovery:contract_forfeit": Page(BOTH, collection_contract, who=LEADERS, owner="director_b"),
    "recovery:slip_compute": Page(POST, collection_contract, who=LEADERS, owner="director_b"),
    "recovery:slip_detail": Page(GET, contract_slip),
    "recovery:slip_check": Page(POST, contract_slip, who=LEADERS, owner="director_b"),
    # Only the union's asset staff pay: union-wide, so no one in cooperative A to 404.
    "recovery:slip_pay": Page(POST, contract_slip, who=(), owner="union_asset"),
    # dashboards (经营分析) and monthly reports, read from cooperative B's monthly figures
    "dashboard:home": Page(GET),
    "dashboard:cooperative": Page(GET, cooperative_b, who=LEADERS, owner="director_b"),
    "dashboard:village": Page(GET, village),
    "dashboard:reports": Page(GET, query=coop_b_query, who=LEADERS, owner="director_b"),
    "dashboard:report": Page(
        GET, lambda w: {"code": "five-class"}, query=coop_b_query, who=LEADERS, owner="director_b"
    ),
    "dashboard:report_xlsx": Page(
        GET, lambda w: {"code": "recovery"}, query=coop_b_query, who=LEADERS, owner="director_b"
    ),
}

# What an entrusted firm's staff (Role.AGENCY) may open: the register and the records of
# their package, their events, actions and notices, the package and its hand-over form.
# Every other page is a 403 or a 404 for them.
AGENCY_USER_MAY_OPEN = {
    "home",
    "recovery:register",
    "recovery:record_detail",
    "recovery:event_add",
    "recovery:action_log",
    "recovery:notice_print",
    "recovery:notice_receipt",
    "recovery:agency_package_detail",
    "recovery:agency_handover_add",
}


# --- the URL configuration ---------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    takes_kwargs: bool
    callback: Callable


def routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns, namespace="", prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns, route)
            elif isinstance(p, URLPattern) and p.name:
                if p.name in EXEMPT_NAMES or route.startswith(EXEMPT_PREFIXES):
                    continue
                found.append(
                    Route(f"{namespace}{p.name}", route, bool(p.pattern.converters), p.callback)
                )

    walk(get_resolver().url_patterns)
    return found


def _source(callback) -> str:
    func = getattr(callback, "view_class", None) or callback
    while hasattr(func, "__wrapped__"):
        func = func.__wrapped__
    return inspect.getsource(func)


def test_every_page_is_in_the_map():
    """A new URL must say here how its scope is tested; a stale entry is an error too."""
    names = {r.name for r in routes()}
    assert sorted(names - PAGES.keys()) == [], "pages missing from PAGES"
    assert sorted(PAGES.keys() - names) == [], "PAGES lists pages that no longer exist"
    for r in routes():
        page = PAGES[r.name]
        assert (page.kwargs is not None) == r.takes_kwargs, f"{r.name}: kwargs builder"
        # A view that reads a POST must be tested as a write page.
        if "POST" in _source(r.callback):
            assert "post" in page.methods, f"{r.name} handles POST"


# --- cooperative B's objects ----------------------------------------------------------------


def _world(org):
    """One of each object in cooperative B (王湾村, officer_b's village), built through the
    real services."""
    from creditcoop.deadlines.models import Accountability
    from creditcoop.deadlines.sweep import deadline_sweep
    from creditcoop.servicehall import services as hall
    from creditcoop.servicehall.models import LoanType
    from loans import services as loan_services
    from loans.tests import factories as lf
    from ratings import services as rating_services
    from ratings.models import CreditApplication
    from ratings.notices import services as notice_services
    from ratings.tests import factories as rf
    from villages import services as village_services
    from villages.models import HouseholdImport

    w = SimpleNamespace(village=org.village_b1)
    w.reviewer_b = f.StaffFactory(
        username="R101", cooperative=org.coop_b, roles=[Role.REVIEW_GROUP]
    )
    w.teller_b = f.StaffFactory(username="T101", cooperative=org.coop_b, roles=[Role.TELLER])
    neighbour = f.CooperativeFactory(union=f.UnionFactory(name="邻县农村信用合作联社"))
    w.other_union_risk = f.StaffFactory(
        username="U901", cooperative=None, union=neighbour.union, roles=[Role.UNION_RISK]
    )
    # The rating and loan test helpers act through `org.director`, `org.reviewer`, …:
    # give them cooperative B's people.
    b = SimpleNamespace(
        group_a1=org.group_b1,
        director=org.director_b,
        reviewer=w.reviewer_b,
        teller=w.teller_b,
    )

    # Loans: a contract with a drawn loan and a repayment; a village grant batch.
    w.contract = lf.contract(b, app=lf.passed_application(b))
    w.loan = lf.draw(b, w.contract, "5000")
    w.repayment = lf.repay(b, w.loan, "1000")
    lf.passed_application(b)
    w.grant_batch = loan_services.village_credit_grant(
        village=w.village,
        actor=org.director_b,
        officer=org.officer_b,
        signed_on=timezone.localdate(),
        terms=lf.TERMS,
        present_ids=[],
        idempotency_key=uuid.uuid4(),
    )

    # Ratings: a campaign with a draft application; a rejected application.
    w.campaign = rating_services.campaign_create(
        actor=org.officer_b, village=w.village, year=2026, rating_date=date(2026, 3, 1)
    )
    w.app = rf.application(b, campaign=w.campaign)
    w.household = w.app.household
    w.app_rejected = rating_services.application_reject(
        application=rf.application(b), actor=org.director_b, reason="家庭负债过高"
    )
    assert w.app_rejected.status == CreditApplication.Status.REJECTED

    # Public notice with an objection.
    rf.application(b, status=CreditApplication.Status.LINE_SET)
    w.batch = notice_services.batch_create_draft(village=w.village, actor=org.officer_b)
    w.batch = notice_services.batch_publish(batch=w.batch, actor=org.officer_b)
    w.entry = w.batch.entries.get()
    w.objection = notice_services.objection_file(
        batch=w.batch, entry=w.entry, text="该户常年在外打工", contact_phone="13900001111"
    )

    # Villages: committee member, promotion survey, an import waiting for confirmation.
    w.committee_member = village_services.committee_member_save(
        actor=org.officer_b,
        village=w.village,
        post="clerk",
        name="钱文书",
        phone="13700001111",
        term_start=date(2025, 1, 1),
    )
    w.survey = village_services.promotion_survey_record(
        actor=org.officer_b,
        village=w.village,
        resident_households=300,
        local_households=280,
        certificate_count=10,
        certificate_amount=Decimal("500000"),
        npl_count=0,
        npl_amount=Decimal("0"),
    )
    w.import_batch = HouseholdImport.objects.create(
        village=w.village, uploaded_by=org.officer_b, file_name="名单.xlsx", rows=[]
    )

    # Service hall: a walk-in answered late (so an accountability record), one refused.
    loan_type = LoanType.objects.create(
        name="测试小额信用贷款", answer_days=2, approval_days=5, annual_rate=Decimal("0.0612")
    )
    monday = date(2026, 3, 2)

    def walk_in(name):
        return hall.walkin_register(
            actor=org.officer_b,
            kind="application",
            customer_name=name,
            phone="13800138000",
            village=w.village,
            need="购买化肥",
            loan_type=loan_type,
            amount=Decimal("30000"),
            today=monday,
        )

    w.walkin = walk_in("李四")
    w.walkin_refused = hall.walkin_settle(
        walkin_id=walk_in("赵五").pk,
        actor=org.officer_b,
        step="answer",
        outcome="refuse",
        note="家庭成员有不良贷款记录",
        today=monday,
    )
    deadline_sweep(today=monday + timedelta(days=14))
    w.accountability = Accountability.objects.get(deadline__object_id=w.walkin.pk)

    # Archives, borrowing: officer_b asks to read a file on cooperative B's shelf.
    from archives.models import BorrowerType, Method
    from archives.services import borrowing as borrowing_services
    from archives.tests import factories_borrowing as fb

    w.archivist_b = fb.archivist(org.coop_b, "K101", name="秦档案")
    w.borrowing = borrowing_services.borrowing_request(
        actor=org.officer_b,
        cooperative=org.coop_b,
        borrower_type=BorrowerType.STAFF,
        method=Method.READ,
        purpose="核对借据",
        file_ids=[fb.file_in_room(org.coop_b).pk],
    )
    # Archives: B's loan file (opened at granting), a destruction batch, an inspection
    # with a finding.
    from archives.models import ArchiveFile, DestructionBatch
    from archives.services import inspections as archive_inspections

    w.archivist_b = getattr(w, "archivist_b", None) or f.StaffFactory(
        username="K191", cooperative=org.coop_b, roles=[Role.ARCHIVIST]
    )
    w.archive_file = ArchiveFile.objects.get(contract=w.contract)
    w.destruction = DestructionBatch.objects.create(
        number="XH2026B00001", cooperative=org.coop_b, created_by=w.archivist_b
    )
    w.inspection = archive_inspections.inspection_record(
        actor=w.archivist_b,
        cooperative=org.coop_b,
        inspected_on=monday,
        inspectors="朱主任",
        findings=[archive_inspections.FindingInput("", "档案目录未更新")],
    )
    w.finding = w.inspection.findings.get()
    # Recovery: an off-balance record of 王湾村 with a guarantor; an import awaiting confirmation.
    from recovery import services as recovery_services
    from recovery.models import NplImport
    from recovery.tests.helpers import npl as npl_record

    w.npl = npl_record(w.village, number="B-NPL-1", borrower_name="欧阳乙")
    recovery_services.npl_guarantor_add(actor=org.officer_b, record=w.npl, name="钱乙保")
    w.npl_import = NplImport.objects.create(
        cooperative=org.coop_b, uploaded_by=org.director_b, file_name="表外.xlsx", rows=[]
    )
    # Archives, handover and intake: the drawn contract's file on a submitted list
    # awaiting its check; a second file already taken into the room.
    from archives.models import ArchiveFile
    from archives.services import handover as handover_services
    from archives.services.files import item_collect

    w.clerk_b = f.StaffFactory(username="C101", cooperative=org.coop_b, roles=[Role.CLERK])

    def handed_over(contract):
        file = ArchiveFile.objects.get(contract=contract)
        item_collect(item_ids=list(file.items.values_list("pk", flat=True)), actor=w.clerk_b)
        batch = handover_services.handover_create(
            actor=w.clerk_b, cooperative=org.coop_b, file_ids=[file.pk]
        )
        return handover_services.handover_submit(batch=batch, actor=w.clerk_b)

    w.handover = handed_over(w.contract)
    w.handover_line = w.handover.lines.get()
    filed = handed_over(lf.contract(b)).lines.get()
    handover_services.handover_check(
        line=filed,
        actor=w.archivist_b,
        results={i.pk: (True, "") for i in filed.file.items.filter(status="collected")},
    )
    # Recovery (roll): a village roll of 王湾村 and a blacklist entry from the record.
    w.roll = recovery_services.roll_create(actor=org.officer_b, village=w.village)
    w.npl.borrower_id_number = w.household.members.first().id_number
    w.npl.save(update_fields=["borrower_id_number"])
    w.blacklist = recovery_services.blacklist_add(
        actor=org.director_b, record=w.npl, reason="late_repayment"
    )
    # Recovery (collect): a contact logged today, a village batch of notices.
    now = timezone.localtime()
    contact = now.replace(hour=10, minute=0) - timedelta(days=0 if now.hour >= 10 else 1)
    recovery_services.collection_action_add(
        actor=org.officer_b, record=w.npl, kind="call", at=contact, result="no_contact"
    )
    w.notice_batch = recovery_services.notice_batch_create(actor=org.officer_b, village=w.village)
    w.notice = w.notice_batch.notices.filter(guarantor=None).get()
    # Recovery (agency): a white-listed firm with a login and its package holding w.npl, a
    # hand-over awaiting confirmation, a quarter's fee list; a firm awaiting the white list;
    # a record of cooperative B outside the package.
    from recovery.tests.helpers_agency import agency as make_agency
    from recovery.tests.helpers_agency import agency_user

    w.other_union_asset = f.StaffFactory(
        username="U902", cooperative=None, union=neighbour.union, roles=[Role.UNION_ASSET]
    )
    w.npl_outside = npl_record(w.village, number="B-NPL-2", borrower_name="欧阳丁外")
    w.agency = make_agency(org)
    w.agency_pending = make_agency(
        org, name="待批清收公司", licence="914300PENDING", whitelist=False
    )
    w.agency_user = agency_user(org, w.agency)
    w.agency_package = recovery_services.package_create(
        actor=org.director_b,
        agency=w.agency,
        cooperative=org.coop_b,
        staff=org.officer_b,
        starts_on=date(2025, 1, 1),
        ends_on=date(2028, 1, 1),
    )
    # Only w.npl stays in the firm's package.
    w.agency_package.lines.exclude(record=w.npl).delete()
    today = timezone.localdate()
    w.agency_handover = recovery_services.handover_report(
        actor=w.agency_user,
        package=w.agency_package,
        record=w.npl,
        collected_on=today,
        principal=Decimal("100"),
    )
    w.agency_fee = recovery_services.fee_list_compute(
        actor=org.director_b,
        package=w.agency_package,
        year=today.year,
        quarter=(today.month - 1) // 3 + 1,
    )
    # Recovery (agree): a draft repayment agreement and a lawsuit on that record (filed
    # before the due date, so the record's limitation does not move).
    from recovery.tests.helpers_agree import draft as agreement_draft

    w.agreement = agreement_draft(w.npl, org.officer_b)
    w.lawsuit = recovery_services.lawsuit_file(
        actor=org.officer_b,
        record=w.npl,
        court="西城区人民法院",
        case_number="（2024）西民初1号",
        filed_on=date(2024, 2, 1),
        today=monday,
    )
    # Recovery, responsibility: officer_b, a former deputy (by name) and director_b answer
    # for w.npl; the loss is assessed; the nightly escalation opens officer_b's level 1.
    from recovery.models import ResponsiblePerson

    for post, who in (
        (ResponsiblePerson.Post.INVESTIGATION, {"staff": org.officer_b}),
        (ResponsiblePerson.Post.REVIEW, {"name": "原副主任乙"}),
        (ResponsiblePerson.Post.APPROVAL, {"staff": org.director_b}),
    ):
        recovery_services.responsible_person_add(
            actor=org.director_b, record=w.npl, post=post, **who
        )
    w.resp_share = recovery_services.loss_assess(
        actor=org.director_b, record=w.npl, above_authority=False, authority_evidence="权限表"
    ).shares.get(part="officer")
    w.resp_staff = org.officer_b
    recovery_services.officer_escalation_sweep()
    from recovery.models import OfficerEscalation

    w.escalation = OfficerEscalation.objects.get(officer=org.officer_b)
    # Recovery (incentive): last month's paid slip of officer_b and the year's risk deposit.
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    recovery_services.recovery_entry_record(
        actor=org.officer_b, record=w.npl, on=last_month, kind="cash", interest=Decimal("100")
    )
    recovery_services.incentive_slips_compute(
        actor=org.director_b, month=last_month, cooperative=org.coop_b
    )
    from recovery.models import IncentiveSlip, RiskDeposit

    w.slip = IncentiveSlip.objects.get(collector=org.officer_b, month=last_month)
    recovery_services.incentive_slip_check(actor=org.director_b, slip=w.slip)
    recovery_services.incentive_slip_pay(actor=org.director_b, slip=w.slip)
    recovery_services.risk_deposits_compute(
        actor=org.director_b, cooperative=org.coop_b, year=last_month.year
    )
    w.deposit = RiskDeposit.objects.get(officer=org.officer_b)
    # archives: cooperative B's archivist and a stock import awaiting confirmation.
    from archives.models import StockImport

    w.stock_import = StockImport.objects.create(
        cooperative=org.coop_b, uploaded_by=w.archivist_b, file_name="存量.xlsx", rows=[]
    )
    # Recovery: a record of 王湾村 with a draft write-off dossier and a debt-asset.
    from django.apps import apps

    from recovery.models import WriteOffCondition, WriteOffLevel
    from recovery.writeoff_defaults import seed as writeoff_seed

    if not WriteOffLevel.objects.exists():
        writeoff_seed(apps)
    w.npl_wo = npl_record(w.village, number="B-NPL-WO", book_status="other")
    w.writeoff = recovery_services.writeoff_save(
        actor=org.officer_b,
        record=w.npl_wo,
        condition=WriteOffCondition.objects.get(code="death"),
        principal=Decimal("1000"),
    )
    w.asset = recovery_services.debt_asset_create(
        actor=org.officer_b,
        settles=[recovery_services.Settles(w.npl_wo, Decimal("2000"))],
        description="王湾村农用车一辆",
        kind="movable",
        valuation=Decimal("3000"),
        valuer="县评估所",
        acquired_on=monday,
        custodian=org.officer_b,
        custody_place="王湾村信用站",
    )
    # Recovery (contract): cooperative B's package under contract to officer_b, a month's slip.
    from recovery.services import contract as contract_services
    from recovery.tests.helpers_contract import contracted

    w.collection_contract = contracted(
        org.director_b, org.officer_b, signed_on=timezone.localdate(), name="西城一号包"
    )
    w.package = w.collection_contract.package
    w.contract_slip = contract_services.slip_compute(
        actor=org.director_b, contract=w.collection_contract, month=timezone.localdate()
    )
    # Ledger exports: officer_b's finished export of the loan ledger (the worker run inline).
    from creditcoop.reporting import services as export_services

    w.export_job = export_services.export_start(
        user=org.officer_b, ledger_code="loans.loans", data={}
    )
    export_services.export_run(w.export_job.pk)
    # Monthly figures of cooperative B's last month, as the nightly job stores them.
    from creditcoop.models import FigureMonth, MonthlyFigure

    month_end = timezone.localdate().replace(day=1) - timedelta(days=1)
    FigureMonth.objects.create(month=month_end, taken_on=timezone.localdate(), final=True)
    MonthlyFigure.objects.bulk_create(
        MonthlyFigure(
            month=month_end,
            cooperative=org.coop_b,
            village_id=village_id,
            metric=metric,
            key=key,
            value=Decimal(value),
        )
        for village_id, metric, key, value in (
            (w.village.pk, "line_total", "", "50000"),
            (w.village.pk, "class_balance", "0", "4000"),
            (w.village.pk, "class_count", "0", "1"),
            (None, "recovered_amount", "", "100"),
            (None, "deadlines_closed", "walkin_answer", "2"),
        )
    )
    return w


@pytest.fixture
def world(org):
    return _world(org)


def _user(org, world, key):
    return getattr(org, key, None) or getattr(world, key)


def _url(name, page, world):
    url = reverse(name, kwargs=page.kwargs(world) if page.kwargs else None)
    query = {**page.extra, **(page.query(world) if page.query else {})}
    return f"{url}?{urlencode(query)}" if query else url


def _request(client, method, url):
    return getattr(client, method)(url, {} if method == "post" else None)


# --- the three questions ------------------------------------------------------------------


def test_other_cooperatives_objects_are_404(org, world, client):
    """Cooperative A's staff, holding the role each page asks for, get the same 404 for
    cooperative B's objects as for objects that do not exist; nothing is written."""
    wrong = []
    before = AuditLog.objects.count()
    for name, page in PAGES.items():
        if not page.names_an_object:
            continue
        url = _url(name, page, world)
        for who in page.who:
            client.force_login(_user(org, world, who))
            for method in page.methods:
                status = _request(client, method, url).status_code
                if status != 404:
                    wrong.append(f"{who} {method.upper()} {url} ({name}): {status}")
    assert wrong == []
    assert AuditLog.objects.count() == before


def test_the_objects_are_real_for_their_own_cooperative(org, world, client):
    """The control for the test above: cooperative B's own staff reach the same URLs, so
    the 404s are about scope and not about arguments that name nothing."""
    wrong = []
    for name, page in PAGES.items():
        if not page.names_an_object:
            continue
        url = _url(name, page, world)
        client.force_login(_user(org, world, page.owner))
        method = page.methods[0]
        status = _request(client, method, url).status_code
        # A page that only writes may refuse empty form data (400, or a redirect with a
        # message): what matters is that the object was found.
        allowed = {200} if method == "get" else {200, 302, 400}
        if status not in allowed:
            wrong.append(f"{page.owner} {method.upper()} {url} ({name}): {status}")
    assert wrong == []


def test_anonymous_visitors_are_sent_to_login(org, world, client):
    wrong = []
    for name, page in PAGES.items():
        url = _url(name, page, world)
        for method in page.methods:
            resp = _request(client, method, url)
            if resp.status_code != 302 or not resp.url.startswith("/login/?next="):
                wrong.append(f"{method.upper()} {url} ({name}): {resp.status_code}")
    assert wrong == []


def test_auditor_cannot_write_anywhere(org, world, client):
    """The auditor sees the whole union, so cooperative B's objects are in scope: every
    write is refused with a 403 all the same, and nothing is written."""
    from villages.models import Household

    client.force_login(org.auditor)
    before = (AuditLog.objects.count(), Household.objects.count())
    wrong = []
    for name, page in PAGES.items():
        if "post" not in page.methods or name in AUDITOR_MAY_POST:
            continue
        url = _url(name, page, world)
        status = client.post(url, {}).status_code
        if status != 403:
            wrong.append(f"POST {url} ({name}): {status}")
    assert wrong == []
    assert (AuditLog.objects.count(), Household.objects.count()) == before


def _text_of(resp) -> str:
    """A page's text, or every cell of a downloaded workbook."""
    if not getattr(resp, "streaming", False):
        return resp.content.decode(errors="replace")
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(b"".join(resp.streaming_content)), read_only=True)
    cells = (v for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row)
    return " ".join(str(v) for v in cells if v is not None)


def test_lists_show_nothing_of_another_cooperative(org, world, client):
    """Every page that names no object: cooperative A's staff see none of cooperative B's
    village, cooperative or people on it."""
    from villages.models import Household

    Household.objects.filter(pk=world.household.pk).update(head_name="欧阳乙户")
    markers = [org.village_b1.name, org.coop_b.name, "欧阳乙户", org.officer_b.name]
    wrong = []
    for name, page in PAGES.items():
        if page.names_an_object or "get" not in page.methods:
            continue
        url = reverse(name) + (f"?{urlencode(page.extra)}" if page.extra else "")
        for who in page.who:
            client.force_login(_user(org, world, who))
            resp = client.get(url)
            body = _text_of(resp) if resp.status_code == 200 else ""
            seen = [m for m in markers if m in body]
            # 403: a page for other roles; 404: nothing to work on (no notice to object to).
            if resp.status_code not in (200, 403, 404) or seen:
                wrong.append(f"{who} {url} ({name}): {resp.status_code} {seen}")
    assert wrong == []


def test_every_date_input_is_prefilled_in_iso(org, world, client):
    """`<input type="date">` accepts only YYYY-MM-DD: a value such as "2026/12/02" shows
    blank in the browser and the form cannot be saved. Every page, as its own staff."""
    import re
    from html.parser import HTMLParser

    class DateInputs(HTMLParser):
        def __init__(self):
            super().__init__()
            self.values = []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "input" and attrs.get("type") == "date" and attrs.get("value"):
                self.values.append((attrs.get("name"), attrs["value"]))

    wrong, seen = [], 0
    for name, page in PAGES.items():
        if "get" not in page.methods:
            continue
        url = _url(name, page, world) if page.names_an_object else reverse(name)
        who = page.owner if page.names_an_object else page.who[0]
        client.force_login(_user(org, world, who))
        resp = client.get(url)
        if resp.status_code != 200 or not resp["Content-Type"].startswith("text/html"):
            continue
        parser = DateInputs()
        parser.feed(resp.content.decode())
        seen += len(parser.values)
        wrong += [
            f"{url} ({name}) {field}={value}"
            for field, value in parser.values
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
        ]
    assert seen > 0
    assert wrong == []


def test_agency_user_sees_only_their_package(org, world, client):
    """An entrusted firm's staff (Role.AGENCY) log in and reach only the pages meant for
    them, on their package's record; every other page of the product is a 403 or a 404,
    the menu offers nothing else, the register lists nothing else and nothing is written."""
    client.force_login(world.agency_user)
    before = AuditLog.objects.count()
    wrong, opened = [], set()
    for name, page in PAGES.items():
        url = _url(name, page, world)
        for method in page.methods:
            status = _request(client, method, url).status_code
            if name in AGENCY_USER_MAY_OPEN:
                ok = {200} if method == "get" else {200, 302, 400}
                if status in ok:
                    opened.add(name)
                else:
                    wrong.append(f"may open: {method.upper()} {url} ({name}): {status}")
            elif status not in (403, 404):
                wrong.append(f"{method.upper()} {url} ({name}): {status}")
    assert wrong == [], "\n".join(wrong)
    assert opened == AGENCY_USER_MAY_OPEN
    # Empty forms posted to the pages they may use were refused: nothing written.
    assert AuditLog.objects.count() == before
    # Their records only: the other record of the same village answers 404.
    other = reverse("recovery:record_detail", kwargs={"pk": world.npl_outside.pk})
    assert client.get(other).status_code == 404
    register = client.get(reverse("recovery:register")).content.decode()
    assert "欧阳乙" in register and "欧阳丁外" not in register
    # The menu and the tabs offer only what they may open; no way to change amounts.
    home = client.get(reverse("home")).content.decode()
    for hidden in ("villages:village_list", "loans:contract_list", "notification_list"):
        assert f'href="{reverse(hidden)}"' not in home
    detail = client.get(_url("recovery:record_detail", PAGES["recovery:record_detail"], world))
    body = detail.content.decode()
    assert reverse("recovery:record_edit", kwargs=npl(world)) not in body
    assert reverse("recovery:assessment_edit", kwargs=npl(world)) not in body
    assert reverse("recovery:notice_create", kwargs=npl(world)) not in body
    assert 'id="event-form"' in body
