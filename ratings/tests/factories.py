"""Build households and applications at any step of the rating flow."""

from datetime import date
from decimal import Decimal

from ratings import services
from ratings.models import CreditApplication
from tests.factories import HouseholdFactory, MemberFactory

S = CreditApplication.Status

# Default scorecard: reputation, repayment, income per person, net assets, labour, debt ratio.
SCORES_85 = {
    "reputation": 20,
    "repayment": 20,
    "income_per_person": 15,
    "net_assets": 12,
    "labour": 10,
    "debt_ratio": 6,
}  # 83 → AAA
SCORES_75 = {
    "reputation": 15,
    "repayment": 20,
    "income_per_person": 15,
    "net_assets": 8,
    "labour": 10,
    "debt_ratio": 6,
}  # 74 → AA
SCORES_55 = {
    "reputation": 8,
    "repayment": 10,
    "income_per_person": 10,
    "net_assets": 8,
    "labour": 10,
    "debt_ratio": 6,
}  # 52 → not rated


def household(group, *, spouse=True):
    h = HouseholdFactory(group=group)
    if spouse:
        MemberFactory(household=h)
    return h


def application(
    org,
    *,
    group=None,
    status=S.DRAFT,
    amount=Decimal("30000"),
    campaign=None,
    scores=None,
    income=Decimal("100000"),
    officer=None,
    h=None,
):
    """An application of village A1 (officer1's) advanced through services to `status`."""
    group = group or org.group_a1
    village = group.village
    officer = officer or village.officer
    h = h or household(group)
    app = services.application_create(
        actor=officer,
        household=h,
        applicant=h.members.get(relation="head"),
        requested_amount=amount,
        campaign=campaign,
    )
    if status == S.DRAFT:
        return app
    app = services.application_documents_update(
        application=app,
        actor=officer,
        values={f: True for f in CreditApplication.REQUIRED_DOCUMENTS},
    )
    app = services.application_investigate(
        application=app,
        actor=officer,
        visit_date=date(2025, 3, 1),
        visit_note="入户核实",
        consents={m.pk: True for m in h.members.all()},
        family_size=h.members.count(),
        net_assets=Decimal("150000"),
        annual_net_income=income,
        other_debt=Decimal("0"),
    )
    if app.status == S.REJECTED:
        return app
    app = services.application_submit(application=app, actor=officer)
    if status == S.INITIAL:
        return app
    app = services.application_initial_rate(
        application=app, actor=officer, scores=scores or SCORES_85, advance=True
    )
    if status == S.REVIEW:
        return app
    app = services.application_review(application=app, actor=officer)
    if status == S.DECISION:
        return app
    services.applications_decide(
        actor=org.reviewer, applications=[app], held_on=date(2025, 3, 5), members=[org.reviewer]
    )
    app.refresh_from_db()
    if status == S.LINE_PROPOSAL or app.status == S.REJECTED:
        return app
    line = min(app.line_cap, Decimal("20000"))
    app = services.application_line_propose(
        application=app, actor=officer, amount=line, term_months=24, advance=True
    )
    if status == S.LINE_OFFICER:
        return app
    app = services.application_line_officer(
        application=app, actor=officer, amount=line, advance=True
    )
    if status == S.LINE_REVIEW:
        return app
    app = services.application_line_review(
        application=app, actor=org.reviewer, amount=line, advance=True
    )
    if status == S.LINE_DIRECTOR:
        return app
    return services.application_line_final(
        application=app, actor=org.director, amount=line, term_months=24
    )
