from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from salestrack.core.env import (
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
    ipware_proxy_settings,
    persistent_secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("SALESTRACK_DATA_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("SALESTRACK_DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY") or persistent_secret_key(DATA_DIR / "secret_key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

HTTPS = env_bool("SALESTRACK_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("SALESTRACK_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SALESTRACK_SESSION_SECONDS", 60 * 60 * 12)
# htmx takes the CSRF token from <body hx-headers>, so no script needs to read the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Login lock-out (django-axes): per username + client IP, reset by `manage.py axes_reset`.
AXES_ENABLED = env_bool("SALESTRACK_AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("SALESTRACK_LOGIN_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SALESTRACK_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The login page itself explains the lock-out (accounts.forms.LoginForm); no bare 403/429 page.
AXES_LOCKOUT_CALLABLE = "salestrack.accounts.views.lockout_response"
# The client's address, for the lock-out and the audit trail alike (django-ipware): with
# SALESTRACK_PROXY_COUNT=0 only REMOTE_ADDR counts; behind N reverse proxies, X-Forwarded-For's
# Nth entry from the right. Not strict: addresses a client forged at the left of the header are
# skipped rather than making every request fall back to the proxy's own address.
SALESTRACK_PROXY_COUNT = env_int("SALESTRACK_PROXY_COUNT", 0)
AXES_IPWARE_PROXY_COUNT, AXES_IPWARE_META_PRECEDENCE_ORDER = ipware_proxy_settings(
    SALESTRACK_PROXY_COUNT
)
IPWARE_STRICT = False

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "django_htmx",
    "axes",
    "huey.contrib.djhuey",
    "salestrack.core",
    "salestrack.accounts",
    "salestrack.access",
    "salestrack.audit",
    "salestrack.customers",
    "salestrack.pipeline",
    "salestrack.deals",
    "salestrack.activities",
    "salestrack.trash",
    "salestrack.handover",
    "salestrack.exports",
    "salestrack.risks",
    "salestrack.demo",
    "salestrack.backups",
    "salestrack.tiers",
    "salestrack.pool",
    "salestrack.goals",
    "salestrack.imports",
    "salestrack.analytics",
    "salestrack.forecast",
    "salestrack.hygiene",
    "salestrack.cadence",
    "salestrack.today",
    "salestrack.notifications",
    "salestrack.bots",
    "salestrack.reminders",
    "salestrack.reports",
    "salestrack.calendars",
    "salestrack.winprob",
    "salestrack.datasets",
    "salestrack.jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "salestrack.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a lock-out seen during login into AXES_LOCKOUT_CALLABLE.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "salestrack.urls"
WSGI_APPLICATION = "salestrack.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "salestrack" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "salestrack.access.context.access",
                "salestrack.notifications.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'salestrack.sqlite3'}"),
        # Persistent connections: a new PostgreSQL connection costs more than most pages.
        conn_max_age=env_int("SALESTRACK_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA busy_timeout=5000;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username + IP before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "today:index"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# i18n: Chinese first, English on request (per user).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "salestrack" / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TZ_NAME", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "salestrack" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Collected, compressed files in production; straight from the source folders when DEBUG.
WHITENOISE_USE_FINDERS = DEBUG

# Product settings
SALESTRACK_DEFAULT_STALL_DAYS = env_int("SALESTRACK_DEFAULT_STALL_DAYS", 7)
SALESTRACK_BOARD_PAGE_SIZE = env_int("SALESTRACK_BOARD_PAGE_SIZE", 20)
SALESTRACK_LIST_PAGE_SIZE = env_int("SALESTRACK_LIST_PAGE_SIZE", 50)
# Exports larger than this are refused (narrow the filters), never cut short.
SALESTRACK_EXPORT_MAX_ROWS = env_int("SALESTRACK_EXPORT_MAX_ROWS", 100_000)
# Imports (salestrack.imports): files with more data rows than this commit as a background job;
# company names at least this similar (0-100, rapidfuzz ratio of core.names.company_key) are
# offered as possible duplicates; uploads larger than this many MB are refused.
SALESTRACK_IMPORT_BACKGROUND_ROWS = env_int("SALESTRACK_IMPORT_BACKGROUND_ROWS", 2000)
SALESTRACK_IMPORT_FUZZY_THRESHOLD = env_int("SALESTRACK_IMPORT_FUZZY_THRESHOLD", 85)
SALESTRACK_IMPORT_MAX_MB = env_int("SALESTRACK_IMPORT_MAX_MB", 50)
# A running import whose progress has not moved for this long lost its worker: marked failed.
SALESTRACK_IMPORT_STALL_MINUTES = env_int("SALESTRACK_IMPORT_STALL_MINUTES", 30)
# Public datasets (salestrack.datasets, `manage.py load_datasets`): the folder holding them.
SALESTRACK_DATASETS_DIR = Path(
    env_str("SALESTRACK_DATASETS_DIR", str(BASE_DIR.parent / "shared" / "datasets"))
)
# Risks (salestrack.risks): a deal with no follow-up for this many days counts as stalled.
SALESTRACK_STALL_NO_FOLLOWUP_DAYS = env_int("SALESTRACK_STALL_NO_FOLLOWUP_DAYS", 14)
# Cycle warning: an open deal older than this share (%) of its segment's median time-to-win ...
SALESTRACK_CYCLE_WARN_PERCENT = env_int("SALESTRACK_CYCLE_WARN_PERCENT", 75)
# ... unless it is in a late stage: an open stage whose default win probability is at least this.
SALESTRACK_LATE_STAGE_PROBABILITY = env_int("SALESTRACK_LATE_STAGE_PROBABILITY", 60)
# A segment (pipeline + customer industry) needs this many won deals, else the pipeline's median.
SALESTRACK_CYCLE_MIN_SAMPLE = env_int("SALESTRACK_CYCLE_MIN_SAMPLE", 5)
# Daily job (Huey, "HH:MM" or "off"): rebuild the cycle medians (pages also rebuild them when
# they are more than a day old).
SALESTRACK_CYCLE_MEDIANS_AT = env_str("SALESTRACK_CYCLE_MEDIANS_AT", "04:20")
# Forecast (salestrack.forecast): weighted-pipeline categories by effective win probability (%):
# commit from the first (or in the contract stage), best case from the second.
SALESTRACK_FORECAST_COMMIT_PROBABILITY = env_int("SALESTRACK_FORECAST_COMMIT_PROBABILITY", 80)
SALESTRACK_FORECAST_BEST_CASE_PROBABILITY = env_int("SALESTRACK_FORECAST_BEST_CASE_PROBABILITY", 50)
# Closed deals a stage needs (per industry, else per pipeline) before its own win rate is used.
SALESTRACK_FORECAST_MIN_SAMPLE = env_int("SALESTRACK_FORECAST_MIN_SAMPLE", 20)
# Backtest: as of the first day of this many past quarters and months.
SALESTRACK_FORECAST_BACKTEST_QUARTERS = env_int("SALESTRACK_FORECAST_BACKTEST_QUARTERS", 8)
SALESTRACK_FORECAST_BACKTEST_MONTHS = env_int("SALESTRACK_FORECAST_BACKTEST_MONTHS", 12)
# Daily job (Huey, "HH:MM" or "off"): rebuild the forecast statistics (pages build a missing day).
SALESTRACK_FORECAST_STATS_AT = env_str("SALESTRACK_FORECAST_STATS_AT", "04:30")
# Win probability (salestrack.winprob): no model below this many closed (won or lost) deals with
# stage history, or below MIN_PER_CLASS won or lost ones; daily job ("HH:MM" or "off"): retrain
# and rescore every open deal.
SALESTRACK_WINPROB_MIN_CLOSED = env_int("SALESTRACK_WINPROB_MIN_CLOSED", 50)
SALESTRACK_WINPROB_MIN_PER_CLASS = env_int("SALESTRACK_WINPROB_MIN_PER_CLASS", 10)
SALESTRACK_WINPROB_TRAIN_AT = env_str("SALESTRACK_WINPROB_TRAIN_AT", "04:40")
# Days a soft-deleted customer, contact or deal stays in the trash before trash_purge removes it.
SALESTRACK_TRASH_DAYS = env_int("SALESTRACK_TRASH_DAYS", 30)
# Customer tiers (salestrack.tiers): an open deal expected to close within this many days counts
# as a decision within a month; proposals to downgrade an A customer with no activity for
# DOWNGRADE_DAYS, to upgrade one whose deal advanced UPGRADE_STAGES stages within UPGRADE_DAYS;
# a dismissed proposal is not made again for SNOOZE_DAYS.
SALESTRACK_TIER_CLOSE_DAYS = env_int("SALESTRACK_TIER_CLOSE_DAYS", 30)
SALESTRACK_TIER_DOWNGRADE_DAYS = env_int("SALESTRACK_TIER_DOWNGRADE_DAYS", 14)
SALESTRACK_TIER_UPGRADE_STAGES = env_int("SALESTRACK_TIER_UPGRADE_STAGES", 2)
SALESTRACK_TIER_UPGRADE_DAYS = env_int("SALESTRACK_TIER_UPGRADE_DAYS", 7)
SALESTRACK_TIER_SNOOZE_DAYS = env_int("SALESTRACK_TIER_SNOOZE_DAYS", 14)
# Public pool (salestrack.pool): days without a follow-up before a customer goes to the pool, per
# tier; owners are warned WARNING_DAYS before; a rep claims at most CLAIM_LIMIT customers within
# CLAIM_WINDOW_DAYS; a previous owner cannot claim a customer back for COOLING_DAYS.
SALESTRACK_POOL_DAYS = {
    tier: env_int(f"SALESTRACK_POOL_DAYS_{tier}", env_int("SALESTRACK_POOL_DAYS", 30))
    for tier in ("A", "B", "C")
}
SALESTRACK_POOL_WARNING_DAYS = env_int("SALESTRACK_POOL_WARNING_DAYS", 3)
SALESTRACK_POOL_CLAIM_LIMIT = env_int("SALESTRACK_POOL_CLAIM_LIMIT", 50)
SALESTRACK_POOL_CLAIM_WINDOW_DAYS = env_int("SALESTRACK_POOL_CLAIM_WINDOW_DAYS", 30)
SALESTRACK_POOL_COOLING_DAYS = env_int("SALESTRACK_POOL_COOLING_DAYS", 7)
# Daily jobs (Huey, "HH:MM" or "off"): tier recompute + proposals, then the pool sweep.
SALESTRACK_TIERS_REFRESH_AT = env_str("SALESTRACK_TIERS_REFRESH_AT", "04:00")
SALESTRACK_POOL_SWEEP_AT = env_str("SALESTRACK_POOL_SWEEP_AT", "04:10")
# Follow-up rules (salestrack.cadence): the relationship task after a decision maker left is due
# within this many hours; the daily job (Huey, "HH:MM" or "off") runs the "touch every N days"
# rules.
SALESTRACK_DECISION_MAKER_LEFT_DUE_HOURS = env_int("SALESTRACK_DECISION_MAKER_LEFT_DUE_HOURS", 48)
SALESTRACK_CADENCE_TOUCH_AT = env_str("SALESTRACK_CADENCE_TOUCH_AT", "05:00")
# Data hygiene (salestrack.hygiene): a customer without an interaction for this many months is
# listed as stale (to archive); two company names at least this similar (0-100, rapidfuzz ratio
# of their company keys) are shown as possible duplicates.
SALESTRACK_STALE_MONTHS = env_int("SALESTRACK_STALE_MONTHS", 6)
SALESTRACK_DUPLICATE_MIN_SIMILARITY = env_int("SALESTRACK_DUPLICATE_MIN_SIMILARITY", 85)
# Goal traffic light: yellow from this many % behind the expected-to-date, red from the second.
SALESTRACK_GOAL_YELLOW_PCT = env_int("SALESTRACK_GOAL_YELLOW_PCT", 10)
SALESTRACK_GOAL_RED_PCT = env_int("SALESTRACK_GOAL_RED_PCT", 30)
# Analytics bottleneck: a stage's conversion is compared with this many periods before.
SALESTRACK_ANALYTICS_HISTORY_PERIODS = env_int("SALESTRACK_ANALYTICS_HISTORY_PERIODS", 4)
# Daily follow-up list (salestrack.today): each item's priority score is the sum of four terms
# in points, computed in the database (salestrack/today/scoring.py has the formula):
# tier (A/B/C), weighted amount (1 point per AMOUNT_UNIT CNY of amount x probability, at most
# AMOUNT_MAX), days overdue (OVERDUE_PER_DAY a day, at most OVERDUE_MAX) and closeness to signing
# (CLOSE_MAX for an expected close date today or past, falling linearly to 0 at CLOSE_WINDOW days).
SALESTRACK_PRIORITY_WEIGHTS = {
    name: env_int(f"SALESTRACK_PRIORITY_{name.upper()}", default)
    for name, default in {
        "tier_a": 30,
        "tier_b": 10,
        "tier_c": 0,
        "amount_unit": 10_000,
        "amount_max": 30,
        "overdue_per_day": 5,
        "overdue_max": 30,
        "close_window": 30,
        "close_max": 30,
    }.items()
}
# At most this many items of each kind (due follow-ups, stalled deals, A customers) per list.
SALESTRACK_TODAY_MAX_ITEMS = env_int("SALESTRACK_TODAY_MAX_ITEMS", 100)

# Background jobs (Huey; consumer: `manage.py run_huey`): queued in a SQLite file in DATA_DIR, or
# on Redis when REDIS_URL is set. utc=False: periodic jobs run at TIME_ZONE's clock (Django makes
# it the process's local zone). SALESTRACK_HUEY_IMMEDIATE=true runs jobs inline, with no consumer.
REDIS_URL = env_secret("REDIS_URL")
HUEY = {
    "name": "salestrack",
    "huey_class": "huey.RedisHuey" if REDIS_URL else "huey.SqliteHuey",
    **({"url": REDIS_URL} if REDIS_URL else {"filename": str(DATA_DIR / "huey.sqlite3")}),
    "immediate": env_bool("SALESTRACK_HUEY_IMMEDIATE", False),
    "utc": False,
    "consumer": {"workers": env_int("SALESTRACK_HUEY_WORKERS", 2), "worker_type": "thread"},
}
# Nightly maintenance, "HH:MM" (TIME_ZONE) or "off": backup + prune, trash purge, and removal of
# shares that ended more than SALESTRACK_SHARE_KEEP_DAYS days ago.
SALESTRACK_BACKUP_AT = env_str("SALESTRACK_BACKUP_AT", "02:30")
SALESTRACK_TRASH_PURGE_AT = env_str("SALESTRACK_TRASH_PURGE_AT", "03:00")
SALESTRACK_SHARE_CLEANUP_AT = env_str("SALESTRACK_SHARE_CLEANUP_AT", "03:10")
SALESTRACK_SHARE_KEEP_DAYS = env_int("SALESTRACK_SHARE_KEEP_DAYS", 30)
# Morning job, "HH:MM" or "off": every active rep's daily follow-up list (salestrack.today).
SALESTRACK_TODAY_AT = env_str("SALESTRACK_TODAY_AT", "07:30")
# Scheduled reports (salestrack.reports), "HH:MM" or "off": today's on working days, last week's
# on Mondays, last month's on the 1st.
SALESTRACK_REPORT_DAILY_AT = env_str("SALESTRACK_REPORT_DAILY_AT", "18:00")
SALESTRACK_REPORT_WEEKLY_AT = env_str("SALESTRACK_REPORT_WEEKLY_AT", "08:00")
SALESTRACK_REPORT_MONTHLY_AT = env_str("SALESTRACK_REPORT_MONTHLY_AT", "08:00")
# Reminders (salestrack.reminders), "HH:MM" or "off": follow-ups due today and overdue are sent
# from this time on (checked every 15 minutes); goals whose light turned red, daily at this time.
# The daily update reminder's time is set by administrators at /reminders/settings/.
SALESTRACK_FOLLOWUP_REMINDER_AT = env_str("SALESTRACK_FOLLOWUP_REMINDER_AT", "08:30")
SALESTRACK_GOAL_RED_AT = env_str("SALESTRACK_GOAL_RED_AT", "09:00")

# Notifications (salestrack.notifications): e-mail through SMTP, sent by the worker only
# (links made absolute with SALESTRACK_SITE_URL, below).
EMAIL_HOST = env_str("SALESTRACK_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("SALESTRACK_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("SALESTRACK_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_secret("SALESTRACK_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("SALESTRACK_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("SALESTRACK_EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("SALESTRACK_EMAIL_FROM", "salestrack@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A failed send is retried after 1, 5, 30 min, 2 h, 6 h, and marked failed after this many
# attempts; a worker's claim on a send lasts SALESTRACK_NOTIFY_LEASE_SECONDS (a killed worker's
# send is taken again after it).
SALESTRACK_NOTIFY_MAX_ATTEMPTS = env_int("SALESTRACK_NOTIFY_MAX_ATTEMPTS", 6)
SALESTRACK_NOTIFY_LEASE_SECONDS = env_int("SALESTRACK_NOTIFY_LEASE_SECONDS", 300)
# Nightly at SALESTRACK_NOTIFY_PRUNE_AT ("HH:MM" or "off"): notifications and deliveries done
# and older than SALESTRACK_NOTIFY_KEEP_DAYS days are removed (pending and failed ones stay).
SALESTRACK_NOTIFY_KEEP_DAYS = env_int("SALESTRACK_NOTIFY_KEEP_DAYS", 90)
SALESTRACK_NOTIFY_PRUNE_AT = env_str("SALESTRACK_NOTIFY_PRUNE_AT", "03:20")

# The app's address as people reach it: links in bot messages and e-mails are made absolute with it.
SALESTRACK_SITE_URL = env_str("SALESTRACK_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Group bots (salestrack.bots): seconds to wait for a webhook (connect, and the whole answer).
SALESTRACK_BOTS_TIMEOUT = env_int("SALESTRACK_BOTS_TIMEOUT", 10)
# Test-only, never read from the environment: lets the tests post to http://127.0.0.1:<port>.
# Webhook targets must otherwise be https and resolve only to public addresses.
SALESTRACK_BOTS_ALLOW_PRIVATE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("SALESTRACK_LOG_LEVEL", "WARNING")},
    "loggers": {
        # What the background jobs did, at INFO even when the root level is WARNING.
        "salestrack.jobs": {"level": env_str("SALESTRACK_JOBS_LOG_LEVEL", "INFO")},
        # run_huey gives the consumer's logger a handler of its own: print each line once.
        "huey": {"propagate": False},
    },
}
