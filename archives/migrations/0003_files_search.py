"""A note on management records, and the indexes behind the archive search (docs/rules.md
§6.4): prefix searches (LIKE 'x%') on the archive number (in any case: numbers such as
A001-bN-2026-000001 are typed in lower case too), contract number and borrower name use a
pattern_ops index whatever the database's collation, and the last digits of an ID number
are a prefix of the reversed number."""

from django.db import migrations, models

INDEXES = [
    ("archivefile_archive_number_upper", "(upper(archive_number)) text_pattern_ops"),
    ("archivefile_contract_number_like", "contract_number varchar_pattern_ops"),
    ("archivefile_borrower_like", "borrower_name varchar_pattern_ops"),
    ("archivefile_id_reversed", "(reverse(id_number)) text_pattern_ops"),
]


class Migration(migrations.Migration):
    dependencies = [("archives", "0002_defaults")]

    operations = [
        migrations.AddField(
            model_name="archivefile",
            name="note",
            field=models.CharField(blank=True, max_length=200, verbose_name="备注"),
        ),
        migrations.RunSQL(
            [f"CREATE INDEX IF NOT EXISTS {n} ON archives_archivefile ({e})" for n, e in INDEXES],
            [f"DROP INDEX IF EXISTS {n}" for n, _e in INDEXES],
        ),
    ]
