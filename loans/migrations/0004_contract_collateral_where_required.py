from django.db import migrations, models


class Migration(migrations.Migration):
    """A mortgage or pledge contract names its collateral (the service already checks it)."""

    dependencies = [("loans", "0003_loan_npl_index")]

    operations = [
        migrations.AddConstraint(
            model_name="creditcontract",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("guarantee_type__in", ["mortgage", "pledge"]), _negated=True),
                    models.Q(("collateral", ""), _negated=True),
                    _connector="OR",
                ),
                name="contract_collateral_where_required",
            ),
        ),
    ]
