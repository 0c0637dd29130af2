"""The rating pipeline table: every open step is described once and read everywhere."""

import inspect

import pytest

from creditcoop.deadlines.kinds import kind_label, stop_condition
from ratings import services
from ratings.models import CreditApplication
from ratings.pipeline import GRID_STEPS, STEPS

S = CreditApplication.Status
pytestmark = pytest.mark.django_db


def test_every_open_status_is_one_step_and_the_closed_ones_none():
    assert set(STEPS) == set(CreditApplication.NEXT)
    assert S.LINE_SET not in STEPS and S.REJECTED not in STEPS
    for status, step in STEPS.items():
        assert step.next == CreditApplication.NEXT[status]


def test_every_step_clock_is_registered_with_its_label_and_stop_condition():
    for step in STEPS.values():
        assert kind_label(step.deadline_kind) == str(step.deadline_label)
        assert stop_condition(step.deadline_kind) == str(step.deadline_stop)
    assert STEPS[S.LINE_DIRECTOR].deadline_kind == "rating_line_director"


def test_grid_steps_name_a_public_service_that_takes_the_form_values():
    assert GRID_STEPS == {
        S.INITIAL,
        S.REVIEW,
        S.LINE_PROPOSAL,
        S.LINE_OFFICER,
        S.LINE_REVIEW,
        S.LINE_DIRECTOR,
    }
    for status in GRID_STEPS:
        step = STEPS[status]
        params = inspect.signature(getattr(services, step.service)).parameters
        assert {"application", "actor", "expected_version"} <= set(params)
        assert ("advance" in params) == step.advances


def test_bulk_fields_are_fields_of_the_application():
    names = {f.name for f in CreditApplication._meta.get_fields()}
    for step in STEPS.values():
        assert set(step.fields) <= names
    # The rating group decides at a sitting, never by "move all complete rows on".
    assert STEPS[S.DECISION].may_move is None
