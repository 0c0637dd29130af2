"""Settings come from the environment; see README for the list."""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).lower() in ("1", "true", "yes", "on")


DEBUG = env_bool("DEBUG", False)
TESTING = os.environ.get("PYTEST_VERSION") is not None
SECRET_KEY = os.environ.get("SECRET_KEY", "") or ("test-only-key" if TESTING else "")
if not SECRET_KEY or (not DEBUG and not TESTING and SECRET_KEY.startswith("dev-only")):
    raise ImproperlyConfigured("SECRET_KEY 未设置：生产环境必须提供真实的 SECRET_KEY。")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
if DEBUG or TESTING:
    ALLOWED_HOSTS += ["testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "creditcoop",
    "villages",
    "ratings",
    "ratings.notices",
    "loans",
    "creditcoop.servicehall",
    "recovery",
    "archives",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "creditcoop.middleware.SecurityHeaders",
    "creditcoop.middleware.RejectNulBytes",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "creditcoop.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "creditcoop.context_processors.navigation",
            ],
        },
    }
]
WSGI_APPLICATION = "creditcoop.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sunshine"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
# A connection is kept for reuse by the thread that opened it (gunicorn's fixed thread pool,
# see creditcoop/embedded.py) and checked before reuse, so a restarted database costs one
# failed check rather than an error page.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "cc")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
    }
}


def _celery_url(url: str) -> str:
    # redis-py spells a socket "unix://", kombu "redis+socket://".
    return "redis+socket://" + url[len("unix://") :] if url.startswith("unix://") else url


CELERY_BROKER_URL = _celery_url(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Tests publish to a queue of their own, so that a `make run` up in the same checkout (same
# embedded Redis) never takes a test's task: its worker listens on the default "celery".
if TESTING:
    CELERY_TASK_DEFAULT_QUEUE = "tests-" + os.environ.get("PYTEST_XDIST_WORKER", "main")
# Ledger export files (导出台账): written by the worker, served to their owner for a day.
EXPORT_DIR = Path(os.environ.get("EXPORT_DIR") or BASE_DIR / "var" / "exports")
EXPORT_KEEP_HOURS = 24
CELERY_BEAT_SCHEDULE = {
    # Export files past their day are deleted and their jobs marked expired.
    "export-expire-hourly": {
        "task": "creditcoop.reporting.tasks.export_expire",
        "schedule": crontab(minute=7),
    },
    "sms-outbox-send": {"task": "creditcoop.tasks.sms_outbox_send", "schedule": 60.0},
    "notice-end-expired": {
        "task": "ratings.notices.tasks.notice_end_expired",
        "schedule": crontab(minute="*/15"),
    },
    "objection-flag-overdue": {
        "task": "ratings.notices.tasks.objection_flag_overdue",
        "schedule": crontab(minute=30, hour="8-18"),
    },
    "loan-classify-nightly": {
        "task": "loans.tasks.loan_classify_nightly",
        "schedule": crontab(hour=1, minute=0),
    },
    # After the classification: enter the new non-performing loans, then warn before
    # every limitation expiry (to the collector and the director, inbox and SMS).
    "npl-register-sync-nightly": {
        "task": "recovery.tasks.npl_register_sync_nightly",
        "schedule": crontab(hour=1, minute=30),
    },
    "limitation-sweep-nightly": {
        "task": "recovery.tasks.limitation_sweep_nightly",
        "schedule": crontab(hour=2, minute=0),
    },
    # Blacklist entries whose lapse day has come (default end + the union's years).
    "blacklist-lapse-nightly": {
        "task": "recovery.tasks.blacklist_lapse_nightly",
        "schedule": crontab(hour=2, minute=20),
    },
    # Recovery board: the counter's repayments of NPL loans become recovery entries after
    # the register sync; the year's baseline is locked by the first run on or after 1 Jan.
    "recovery-entries-nightly": {
        "task": "recovery.tasks.recovery_entries_nightly",
        "schedule": crontab(hour=1, minute=40),
    },
    # Debt-assets: warn before each legal disposal deadline at the lead days.
    "debt-asset-warn-nightly": {
        "task": "recovery.tasks.debt_asset_warn_nightly",
        "schedule": crontab(hour=2, minute=40),
    },
    "year-baseline-lock-daily": {
        "task": "recovery.tasks.year_baseline_lock_daily",
        "schedule": crontab(hour=0, minute=10),
    },
    # Repayment agreements and lawsuits (agree): flag the promises broken yesterday, tell
    # the collector; warn before every judgment's enforcement application deadline.
    "agreement-broken-flag-nightly": {
        "task": "recovery.tasks.agreement_broken_flag_nightly",
        "schedule": crontab(hour=2, minute=15),
    },
    "enforcement-sweep-nightly": {
        "task": "recovery.tasks.enforcement_sweep_nightly",
        "schedule": crontab(hour=2, minute=20),
    },
    # Per-officer responsibility escalation (records the director acts on).
    "officer-escalation-nightly": {
        "task": "recovery.tasks.officer_escalation_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
    # Daily, just after midnight: settles the 20th once that counter day is over (on the
    # 21st), before the 01:00 classification; on other days it finds nothing to settle.
    "interest-settle-quarterly": {
        "task": "loans.tasks.interest_settle_due",
        "schedule": crontab(hour=0, minute=30),
    },
    # Archives: after the 01:00 loan classification, the files' class, colour and
    # series follow it; then the retention dates of settled files.
    "archive-classify-nightly": {
        "task": "archives.tasks.archive_classify_nightly",
        "schedule": crontab(hour=1, minute=30),
    },
    "archive-retention-nightly": {
        "task": "archives.tasks.archive_retention_nightly",
        "schedule": crontab(hour=1, minute=45),
    },
    # Monthly figures for the dashboards and monthly reports: after the classification,
    # the NPL register sync, the recovery entries and the archive jobs of the night.
    "figures-take-nightly": {
        "task": "creditcoop.reporting.tasks.figures_take_nightly",
        "schedule": crontab(hour=3, minute=0),
    },
    "drawdown-due-reminders": {
        "task": "loans.tasks.drawdown_due_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "deadline-sweep": {
        "task": "creditcoop.servicehall.tasks.deadline_sweep",
        "schedule": crontab(minute=0, hour="*"),
    },
    "calendar-coverage-check": {
        "task": "creditcoop.tasks.calendar_coverage_check",
        "schedule": crontab(hour=6, minute=0),
    },
}

AUTH_USER_MODEL = "creditcoop.Staff"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if DEBUG or TESTING:
    PASSWORD_HASHERS = (
        ["django.contrib.auth.hashers.MD5PasswordHasher"]
        if TESTING
        else ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    )
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCK_SECONDS = int(os.environ.get("LOGIN_LOCK_SECONDS", "900"))
# Wrong passwords from one address, whatever the accounts, before that address is paused.
LOGIN_ADDRESS_LIMIT = int(os.environ.get("LOGIN_ADDRESS_LIMIT", "10"))
# Behind a reverse proxy: the header it appends the client's address to (X-Forwarded-For),
# and how many proxies append to it. Empty: the address of the connection (REMOTE_ADDR).
CLIENT_ADDRESS_HEADER = os.environ.get("CLIENT_ADDRESS_HEADER", "")
CLIENT_ADDRESS_PROXIES = int(os.environ.get("CLIENT_ADDRESS_PROXIES", "1"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "creditcoop.errorpages.csrf_failure"
if not DEBUG and not TESTING:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
# HTTPS: browsers are told to come back only over HTTPS (sent on HTTPS requests). Behind a
# TLS proxy, SECURE_PROXY_SSL_HEADER names the header it sets (e.g. X-Forwarded-Proto) so that
# the app knows a request came in over HTTPS; the proxy redirects plain HTTP (or set
# SECURE_SSL_REDIRECT=true to let the app do it). See README, "Behind a proxy".
if not DEBUG:
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 86400)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + os.environ["SECURE_PROXY_SSL_HEADER"].upper().replace("-", "_"),
        "https",
    )
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

SMS_BACKEND = os.environ.get("SMS_BACKEND", "creditcoop.sms.DatabaseBackend")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Tests run Celery tasks inline unless a test starts a real worker on the real broker.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", TESTING)
CELERY_TASK_EAGER_PROPAGATES = CELERY_TASK_ALWAYS_EAGER
