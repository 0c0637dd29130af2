import django.db.models.deletion
from django.db import migrations, models

# Each row of an imported accounting sheet points to the loan file of the import's cooperative
# with its contract number (NULL when there is none), for the rows imported before the field.
LINK_EXISTING_ROWS = """
UPDATE archives_accountingbalance b
   SET file_id = f.id
  FROM archives_accountingimport i, archives_archivefile f
 WHERE i.id = b.source_id
   AND f.cooperative_id = i.cooperative_id
   AND f.contract_number = b.contract_number
   AND f.contract_id IS NOT NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("archives", "0003_files_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="accountingbalance",
            name="file",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="accounting_rows",
                to="archives.archivefile",
                verbose_name="档案",
            ),
        ),
        migrations.RunSQL(LINK_EXISTING_ROWS, migrations.RunSQL.noop),
    ]
