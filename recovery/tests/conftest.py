import pytest


@pytest.fixture(autouse=True)
def _recovery_defaults(_django_db_helper, django_db_blocker):
    """The vintage schemes, the write-off conditions and the approval chain are migration
    data, which a transactional test's flush removes (and a reused test database keeps
    removed): put them back."""
    from importlib import import_module

    from django.apps import apps

    from recovery.models import VintageScheme, WriteOffLevel
    from recovery.writeoff_defaults import seed

    with django_db_blocker.unblock():
        if not WriteOffLevel.objects.exists():
            seed(apps)
        if not VintageScheme.objects.exists():
            import_module("recovery.migrations.0004_vintage_schemes").seed(apps, None)
