import pytest

from ratings.models import CreditApplication
from ratings.tests import factories as rf


@pytest.fixture
def line_set(org):
    """A function building a line_set application of village A1 (or `group`'s village)."""

    def _make(**kwargs):
        return rf.application(org, status=CreditApplication.Status.LINE_SET, **kwargs)

    return _make
