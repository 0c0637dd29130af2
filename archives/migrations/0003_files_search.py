"""A note on management records, and the indexes behind the archive search (docs/rules.md
§6.4): prefix searches (LIKE 'x%') on the archive number (in any case: numbers such as
A001-bN-2026-000001 are typed in lower case too), contract number and borrower name use a
pattern_ops index whatever the database's collation, the last digits of an ID number are a
prefix of the reversed number; a room's shelf/box and colour have their own index."""

from django.db import migrations, models

INDEXES = [
    ("archivefile_archive_number_upper", "(upper(archive_number)) text_pattern_ops"),
    ("archivefile_contract_number_like", "contract_number varchar_pattern_ops"),
    # A name search lists the matches by name: the range and the order from one index,
    # union-wide or inside one cooperative's room.
    ("archivefile_borrower_c", 'borrower_name COLLATE "C", id'),
    ("archivefile_coop_borrower_c", 'cooperative_id, borrower_name COLLATE "C", id'),
    ("archivefile_id_reversed", "(reverse(id_number)) text_pattern_ops"),
    # The archivist finds what is on a shelf, and lists a colour, inside the own room.
    ("archivefile_coop_location", "cooperative_id, shelf, box"),
    ("archivefile_coop_colour", "cooperative_id, colour, id DESC"),
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
