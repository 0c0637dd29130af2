import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditcoop.settings")

app = Celery("creditcoop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The reporting jobs live in the core, outside any app's own tasks module.
app.autodiscover_tasks(["creditcoop.reporting"])
