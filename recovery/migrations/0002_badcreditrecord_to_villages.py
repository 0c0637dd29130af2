# BadCreditRecord now belongs to villages (villages 0005); the table stays where it is.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("recovery", "0001_initial"),
        ("villages", "0005_badcreditrecord_from_recovery"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="BadCreditRecord")],
            database_operations=[],
        ),
    ]
