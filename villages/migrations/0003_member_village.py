"""Member.village: the household's village, copied onto each member for scoped search.

The column is added without its foreign key, filled from the households in one UPDATE, then
made NOT NULL with the key (validated in one pass instead of a queued check per row). A
foreign key (household_id, village_id) → household (id, village_id) ON UPDATE CASCADE keeps it
equal to the household's village: a member can't be written with another village, and moving
a household carries its members along.
"""

import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models

BACKFILL = """
    UPDATE villages_member m SET village_id = h.village_id
    FROM villages_household h
    WHERE h.id = m.household_id AND m.village_id IS DISTINCT FROM h.village_id
"""

HOUSEHOLD_VILLAGE_FK = """
    ALTER TABLE villages_member ADD CONSTRAINT member_household_village_fk
    FOREIGN KEY (household_id, village_id) REFERENCES villages_household (id, village_id)
    ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED
"""


class Migration(migrations.Migration):
    dependencies = [
        ("villages", "0002_search_indexes_promotion_schedule_import"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="village",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="villages.village",
                verbose_name="行政村",
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="member",
            name="village",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="villages.village",
                verbose_name="行政村",
            ),
        ),
        migrations.AddConstraint(
            model_name="household",
            constraint=models.UniqueConstraint(
                fields=("id", "village"), name="household_id_village_key"
            ),
        ),
        migrations.RunSQL(
            HOUSEHOLD_VILLAGE_FK,
            "ALTER TABLE villages_member DROP CONSTRAINT member_household_village_fk",
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                models.F("village"),
                django.db.models.functions.comparison.Collate("name", "C"),
                models.F("id"),
                name="member_village_name_c_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                models.F("village"),
                django.db.models.functions.comparison.Collate("initials", "C"),
                models.F("id"),
                name="member_village_initials_c_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                models.F("village"),
                django.db.models.functions.comparison.Collate("id_reversed", "C"),
                models.F("id"),
                name="member_village_idrev_c_idx",
            ),
        ),
        # The planner needs the new column's statistics to choose between the indexes.
        migrations.RunSQL("ANALYZE villages_member", migrations.RunSQL.noop),
    ]
