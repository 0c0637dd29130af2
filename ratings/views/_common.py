"""What the rating views share: the writing roles and the step forms of the pipeline."""

from django.utils.translation import gettext as _

from creditcoop.models import Role

from .. import services
from ..models import CreditApplication
from ..pipeline import GRID_STEPS, step_of
from ..rules import RatingError

S = CreditApplication.Status
WRITERS = (Role.OFFICER, Role.COMMITTEE, Role.DIRECTOR, Role.DEPUTY, Role.REVIEW_GROUP)
# Steps whose rows are edited in the grid (and on the application page).
GRID_EDIT_STEPS = GRID_STEPS


def _decorate(app):
    """What a grid row shows besides its fields: the missing items of a draft."""
    app.missing = (
        services.missing_items(app, member_count=app.member_count, consent_count=app.consent_count)
        if app.status == S.DRAFT
        else []
    )
    return app


def _step_form(app, data=None):
    step = step_of(app)
    return step.build_form(app, data) if step is not None and step.in_grid else None


def _run_step(app, form, actor, *, advance):
    """Call the service of the application's current step with the form's values."""
    step = step_of(app)
    if step is None or not step.in_grid:
        raise RatingError(_("当前环节不能在此录入。"))
    return step.run(app, form, actor, advance=advance)
