"""Recompute the stored pinyin initials of members whose surname reads differently from the
word (单 shàn → s, 曾 zēng → z …): one set-based UPDATE per surname, using the name index."""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat, Substr

# A copy of villages.pinyin.SURNAME_INITIALS as it was when this migration was written.
SURNAME_INITIALS = {
    "单": "s",
    "曾": "z",
    "解": "x",
    "仇": "q",
    "区": "o",
    "查": "z",
    "朴": "p",
    "盖": "g",
    "覃": "q",
    "缪": "m",
    "乐": "y",
    "尉": "y",
    "翟": "z",
    "种": "c",
}


def recompute(apps, schema_editor):
    Member = apps.get_model("villages", "Member")
    for surname, letter in SURNAME_INITIALS.items():
        (
            Member.objects.filter(name__startswith=surname)
            .exclude(initials__startswith=letter)
            .update(initials=Concat(Value(letter), Substr("initials", 2)))
        )


class Migration(migrations.Migration):
    dependencies = [
        ("villages", "0003_member_village"),
    ]

    operations = [
        migrations.RunPython(recompute, migrations.RunPython.noop, elidable=True),
    ]
