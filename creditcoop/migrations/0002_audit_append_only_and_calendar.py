from django.db import migrations


def load_calendar(apps, schema_editor):
    import chinese_calendar
    from chinese_calendar.constants import holidays, workdays

    from creditcoop.workdays import _holiday_name

    CalendarDay = apps.get_model("creditcoop", "CalendarDay")
    CalendarYear = apps.get_model("creditcoop", "CalendarYear")
    rows = {}
    for day, name in holidays.items():
        if day.weekday() < 5:
            rows[day] = CalendarDay(date=day, is_workday=False, note=_holiday_name(name))
    for day, name in workdays.items():
        if day.weekday() >= 5:
            rows[day] = CalendarDay(date=day, is_workday=True, note=f"{_holiday_name(name)}调休")
    CalendarDay.objects.bulk_create(rows.values(), ignore_conflicts=True)
    years = sorted({d.year for d in list(holidays) + list(workdays)})
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=y, source=f"chinesecalendar {chinese_calendar.__version__}") for y in years],
        ignore_conflicts=True,
    )


APPEND_ONLY = """
CREATE OR REPLACE FUNCTION creditcoop_auditlog_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '审计记录只能追加，不能修改或删除';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER creditcoop_auditlog_no_update BEFORE UPDATE OR DELETE ON creditcoop_auditlog
  FOR EACH ROW EXECUTE FUNCTION creditcoop_auditlog_append_only();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS creditcoop_auditlog_no_update ON creditcoop_auditlog;
DROP FUNCTION IF EXISTS creditcoop_auditlog_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("creditcoop", "0001_initial")]

    operations = [
        migrations.RunSQL(APPEND_ONLY, DROP_APPEND_ONLY),
        migrations.RunPython(load_calendar, migrations.RunPython.noop),
    ]
