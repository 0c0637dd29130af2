# The bad credit history moves from recovery to villages (the layer rating, granting and the
# counter read). State only: the table keeps its name, recovery_badcreditrecord.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="villages", model="badcreditrecord").exists():
        ContentType.objects.filter(app_label="recovery", model="badcreditrecord").update(
            app_label="villages"
        )


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="recovery", model="badcreditrecord").exists():
        ContentType.objects.filter(app_label="villages", model="badcreditrecord").update(
            app_label="recovery"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("recovery", "0001_initial"),
        ("villages", "0004_member_initials_surnames"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="BadCreditRecord",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("id_number", models.CharField(db_index=True, max_length=18, verbose_name="身份证号码")),
                        ("name", models.CharField(max_length=50, verbose_name="姓名")),
                        ("kind", models.CharField(choices=[("blacklist", "黑名单"), ("malicious_default", "恶意逃债"), ("written_off", "已核销"), ("npl", "不良贷款"), ("other", "其他")], max_length=20, verbose_name="类别")),
                        ("note", models.CharField(blank=True, max_length=300, verbose_name="说明")),
                        ("settled_on", models.DateField(blank=True, help_text="非本人原因形成的不良贷款，本息全部还清后填写，可重新评级。", null=True, verbose_name="本息结清日期")),
                        ("active", models.BooleanField(default=True, verbose_name="有效")),
                        ("recorded_at", models.DateTimeField(auto_now_add=True, verbose_name="登记时间")),
                        ("recorded_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="登记人")),
                    ],
                    options={
                        "verbose_name": "不良信用记录",
                        "verbose_name_plural": "不良信用记录",
                        "db_table": "recovery_badcreditrecord",
                        "ordering": ["-recorded_at", "-id"],
                        "constraints": [models.CheckConstraint(condition=models.Q(("settled_on__isnull", True), ("kind", "npl"), _connector="OR"), name="badrecord_settled_only_npl")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
