import pytest

from tests import factories as f
from villages.models import Household, Member


@pytest.fixture
def zhang_san(org):
    """张三's household in 张庄村 (officer1's village), with his wife 王芳."""
    household = f.HouseholdFactory(group=org.group_a1, head_name="张三")
    f.MemberFactory(household=household, name="王芳", relation=Member.Relation.SPOUSE)
    return household


def db_counts():
    """What a failed write must leave unchanged."""
    from creditcoop.models import AuditLog

    return (Household.objects.count(), Member.objects.count(), AuditLog.objects.count())
