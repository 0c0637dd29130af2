from decimal import Decimal

from django.db import migrations

# Defaults published in the hall (三上墙); administrators edit them in the admin.
DEFAULTS = [
    ("农户小额信用贷款", 2, 3, Decimal("0.0612"), "持有贷款证的信用户，凭证办理", 12, 10),
    ("农户联保贷款", 5, 10, Decimal("0.0660"), "三至五户自愿组成联保小组", 12, 20),
    ("农户担保/抵押贷款", 7, 20, Decimal("0.0580"), "提供合格保证人或抵押物", 36, 30),
    ("个体工商户经营贷款", 7, 30, Decimal("0.0720"), "持营业执照在本辖区经营一年以上", 24, 40),
]


def add_defaults(apps, schema_editor):
    LoanType = apps.get_model("servicehall", "LoanType")
    for name, answer, approval, rate, eligibility, term, order in DEFAULTS:
        LoanType.objects.get_or_create(
            name=name,
            defaults=dict(
                answer_days=answer,
                approval_days=approval,
                annual_rate=rate,
                eligibility=eligibility,
                max_term_months=term,
                sort_order=order,
            ),
        )


class Migration(migrations.Migration):
    dependencies = [("servicehall", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
