from django.db import migrations

# Defaults (working days, responsible) per rating step; administrators edit them in the
# admin. The officer enters the committee's initial rating and proposal on its behalf;
# the director chairs the rating group and the loan review group.
DEFAULTS = [
    ("draft", 5, "village_officer"),
    ("initial", 3, "village_officer"),
    ("review", 2, "village_officer"),
    ("decision", 5, "director"),
    ("line_proposal", 3, "village_officer"),
    ("line_officer", 2, "village_officer"),
    ("line_review", 3, "director"),
    ("line_director", 3, "director"),
]


def add_defaults(apps, schema_editor):
    RatingStepLimit = apps.get_model("ratings", "RatingStepLimit")
    for step, days, role in DEFAULTS:
        RatingStepLimit.objects.get_or_create(
            step=step, defaults={"working_days": days, "responsible_role": role}
        )


class Migration(migrations.Migration):
    dependencies = [("ratings", "0002_step_limits")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
