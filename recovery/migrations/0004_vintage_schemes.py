# The two vintage schemes of the seeds (DOMAIN §7 新老划段). Schemes are data: an
# administrator may add more (e.g. the incentive bands ≤1978 / 1979–85 / … ) in the admin.

from datetime import date

from django.db import migrations

SCHEMES = [
    (
        "old-new-2004",
        "新老划段（2004年6月1日）",
        [
            ("2004年6月1日前", None, date(2004, 6, 1)),
            ("2004年6月1日及以后", date(2004, 6, 1), None),
        ],
    ),
    (
        "four-periods",
        "四个时期",
        [
            ("1996年及以前", None, date(1997, 1, 1)),
            ("1997—2002年", date(1997, 1, 1), date(2003, 1, 1)),
            ("2003—2004年", date(2003, 1, 1), date(2005, 1, 1)),
            ("2005年及以后", date(2005, 1, 1), None),
        ],
    ),
]


def seed(apps, schema_editor):
    Scheme = apps.get_model("recovery", "VintageScheme")
    Segment = apps.get_model("recovery", "VintageSegment")
    for position, (code, name, segments) in enumerate(SCHEMES):
        scheme, _created = Scheme.objects.get_or_create(
            code=code, defaults={"name": name, "position": position}
        )
        for i, (label, starts_on, ends_before) in enumerate(segments):
            Segment.objects.get_or_create(
                scheme=scheme,
                name=label,
                defaults={"starts_on": starts_on, "ends_before": ends_before, "position": i},
            )


class Migration(migrations.Migration):
    dependencies = [("recovery", "0003_register")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
