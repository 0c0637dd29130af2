import pytest


@pytest.fixture(autouse=True)
def _writeoff_defaults(_django_db_helper, django_db_blocker):
    """The write-off conditions and approval chain are migration data, which a transactional
    test's flush removes: put them back."""
    from django.apps import apps

    from recovery.models import WriteOffLevel
    from recovery.writeoff_defaults import seed

    with django_db_blocker.unblock():
        if not WriteOffLevel.objects.exists():
            seed(apps)
