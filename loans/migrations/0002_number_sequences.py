from django.db import migrations

SEQUENCES = ["loans_contract_seq", "loans_certificate_seq", "loans_loan_seq", "loans_receipt_seq"]


class Migration(migrations.Migration):
    """Numbers for contracts, certificates, loans and receipts come from sequences, so
    concurrent counters never wait on one another for a number."""

    dependencies = [("loans", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=[f"CREATE SEQUENCE IF NOT EXISTS {s}" for s in SEQUENCES],
            reverse_sql=[f"DROP SEQUENCE IF EXISTS {s}" for s in SEQUENCES],
        ),
        migrations.RunSQL(
            sql="INSERT INTO loans_loansettings (penalty_markup, committee_incentive, "
            "assistant_incentive, days_watch, days_substandard, days_doubtful, days_loss, "
            "reminder_days_first, reminder_days_second, lpr_one_year, default_basis_points, "
            "updated_at) VALUES (0.50, 6.00, 5.00, 0, 90, 270, 360, 7, 1, 0.031, 125, now())",
            reverse_sql="DELETE FROM loans_loansettings",
        ),
    ]
