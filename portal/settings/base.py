"""Every setting lives here and is switched by environment variables.

The defaults are the quick-start: SQLite, tasks run eagerly, e-mail to the console. Production sets
DATABASE_URL, CELERY_BROKER_URL (or REDIS_URL), EMAIL_URL, SECRET_KEY and ALLOWED_HOSTS.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "csp",
    "portal",
    "surveys",
    "courses",
    "courses.learning",
    "hospitering",
    "modelbibliotek",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.middleware.SSOFormActionMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.RequireMFAMiddleware",
    "portal.middleware.ServiceRefusalMiddleware",
    "portal.middleware.MethodNotAllowedMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "django.template.context_processors.i18n",
                "portal.context_processors.portal",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: opening one per request cost more than the lightest page itself (see
# docs/performance.md). A persistent connection is checked before each request reuses it, so a
# database restart costs no request an error; a request that loses its connection midway answers
# 503 (portal.views).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Prepared statements: PostgreSQL plans a page's joins afresh for every query Django sends (a
# survey read with its programme, county, baseline and snapshots: 0.7 ms of planning for 0.1 ms
# of execution). Bound on the server, a statement keeps one text whatever its values; psycopg
# prepares it the second time a connection runs it, and from its sixth run PostgreSQL reuses one
# generic plan where that costs no more than planning anew (docs/performance.md, part 28). Off
# (DATABASE_PREPARED_STATEMENTS=false) behind a pooler that hands one connection to several
# clients (PgBouncer in transaction mode before 1.21). How many a connection keeps: portal.apps.
DATABASE_PREPARED_STATEMENTS = DATABASES["default"]["ENGINE"].endswith("postgresql") and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
)
if DATABASE_PREPARED_STATEMENTS:
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=2
    )
# What the planner counts for reading a page out of order, as PostgreSQL's documentation advises
# where the data is in memory or on SSD (its default of 4 is for spinning disks). With 4 it
# counted each course's gatherings on the course list by reading the whole table once a course
# rather than their index; with 1.1 every benchmarked page's queries execute in the same or
# less time (the course list's 5.8 → 4.0 ms, docs/performance.md, part 31). Sent as each
# connection opens; set it empty where the database server sets it (`ALTER DATABASE ... SET
# random_page_cost`) or a pooler passes no options.
DATABASE_RANDOM_PAGE_COST = env.str("DATABASE_RANDOM_PAGE_COST", default="1.1")
if DATABASES["default"]["ENGINE"].endswith("postgresql") and DATABASE_RANDOM_PAGE_COST:
    _cost = f"-c random_page_cost={float(DATABASE_RANDOM_PAGE_COST)}"
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} {_cost}".strip()

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: e-mail as login, sign-up by invitation only (see portal.adapters).
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Kompetanseportalen] "
ACCOUNT_SIGNUP_FORM_CLASS = "portal.forms.SignupNameForm"
# Failed logins: 5 per account at one address (the "key", see AccountAdapter), and 20 from one
# address in all: enough for the typos of everyone behind a library's shared address, too few to
# guess passwords from it.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/key,20/5m/ip",
    "login": "30/m/ip",
    "reset_password": "10/m/ip,5/m/key",
    "signup": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Kompetanseportalen"
# When on, project leaders and county coordinators must set up TOTP before they can work, unless
# they signed in through an SSO provider that reported a second factor (see portal/sso.py).
PORTAL_REQUIRE_MFA_FOR_MANAGERS = env.bool("PORTAL_REQUIRE_MFA_FOR_MANAGERS", default=False)

# Single sign-on: any number of OpenID Connect providers (ID-porten, Feide, an employer's Entra ID),
# named in PORTAL_SSO_PROVIDERS and each configured by PORTAL_SSO_<NAME>_* variables (README).
# None is needed: without them the login page offers e-mail and password only.
SOCIALACCOUNT_ADAPTER = "portal.adapters.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True  # a verified address links to the account it belongs to
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_QUERY_EMAIL = True
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("PORTAL_SSO_TIMEOUT", default=5)
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": name.lower(),
                "name": env(f"PORTAL_SSO_{name.upper()}_NAME", default=name),
                "client_id": env(f"PORTAL_SSO_{name.upper()}_CLIENT_ID"),
                "secret": env(f"PORTAL_SSO_{name.upper()}_CLIENT_SECRET"),
                "settings": {
                    "server_url": env(f"PORTAL_SSO_{name.upper()}_ISSUER"),
                    # acr values that mean a second factor was used (e.g. idporten-loa-substantial)
                    "mfa_acr_values": env.list(f"PORTAL_SSO_{name.upper()}_MFA_ACR", default=[]),
                    # where its sign-in page lives, when not on the issuer's host
                    "form_action": env.list(f"PORTAL_SSO_{name.upper()}_LOGIN_ORIGINS", default=[]),
                },
            }
            for name in env.list("PORTAL_SSO_PROVIDERS", default=[])
        ],
    }
}

# Languages: Bokmål is the default; Nynorsk and English are offered.
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("nn", _("Norwegian Nynorsk")), ("en", _("English"))]
# locale/third_party: Nynorsk for django-allauth (which ships none) and Django messages whose own
# translation is stale; makemessages never touches it (README, Languages).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "third_party"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Third-party assets come from the npm registry at setup (`npm ci`), never copied by hand.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/quill", BASE_DIR / "node_modules" / "quill" / "dist"),
]
# Uploaded files (learning material, assignment answers) go through Django's storage API and are
# served only by views that ask the policy. With AWS_STORAGE_BUCKET_NAME set they live in an
# S3-compatible object store (django-storages) that every web server shares; without it on this
# server's disk under MEDIA_ROOT (one server, or a disk all servers mount).
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    DEFAULT_FILE_STORAGE_BACKEND = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "access_key": env("AWS_S3_ACCESS_KEY_ID", default=None),
            "secret_key": env("AWS_S3_SECRET_ACCESS_KEY", default=None),
            "location": env("AWS_LOCATION", default="media"),
            # Private: files are fetched by the portal's views, never by a public URL.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_FILE_STORAGE_BACKEND = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_FILE_STORAGE_BACKEND,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: the console by default; EMAIL_URL (smtp://user:pass@host:587/?tls=True) in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Kompetanseportalen <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: without a broker the tasks run eagerly in the web process (quick-start).
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL.startswith("memory")
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2}
# A task is acknowledged when it has finished, so a worker that dies midway leaves it to be
# delivered again; tasks are idempotent (portal/outbox.py) and take one message at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# E-mails and follow-up tasks go through the outbox (portal/outbox.py): the first retry after this
# many seconds, then at doubling intervals.
PORTAL_OUTBOX_RETRY_SECONDS = env.int("PORTAL_OUTBOX_RETRY_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    "outbox-relay": {"task": "portal.tasks.outbox_relay", "schedule": 30},
    "survey-reminders": {"task": "surveys.tasks.survey_reminders_send", "schedule": 60 * 15},
    "survey-retention": {"task": "surveys.tasks.survey_retention_purge", "schedule": 60 * 60 * 24},
    "survey-close-due": {"task": "surveys.tasks.surveys_close_due", "schedule": 60 * 5},
    "sessions-clear-expired": {"task": "portal.tasks.sessions_clear_expired", "schedule": 60 * 60},
    # Every connection closed leaves rows that each read of the tables' states pays for
    # (portal.table_versions); folding them changes no state, so it runs often.
    "table-versions-compact": {"task": "portal.tasks.table_versions_compact", "schedule": 60 * 5},
    "dashboards-warm": {"task": "portal.tasks.dashboards_warm", "schedule": 60 * 5},
    "survey-results-warm": {"task": "surveys.tasks.surveys_results_warm_task", "schedule": 60 * 5},
    "survey-write-stamps": {
        "task": "surveys.tasks.participations_blur_write_stamps",
        "schedule": 60 * 5,
    },
    "gathering-reminders": {"task": "courses.tasks.gathering_reminders_send", "schedule": 60 * 60},
    "seat-offers-expire": {"task": "courses.tasks.registration_offers_expire", "schedule": 60 * 5},
    "personal-answers-purge": {
        "task": "courses.tasks.registration_personal_answers_purge",
        "schedule": 60 * 60 * 6,
    },
    "personal-data-retention": {
        "task": "portal.tasks.personal_data_retention_purge",
        "schedule": 60 * 60 * 24,
    },
    "placement-reminders": {
        "task": "hospitering.tasks.placement_reminders_send",
        "schedule": 60 * 60 * 6,
    },
    "model-library-report-reminders": {
        "task": "modelbibliotek.tasks.report_reminders_send",
        "schedule": 60 * 60 * 6,
    },
}
# A seat freed from a full gathering is held this long for the first on its waiting list.
COURSES_SEAT_OFFER_HOURS = env.int("COURSES_SEAT_OFFER_HOURS", default=48)
# Answers to personal registration questions (diet, accessibility) are deleted this many days
# after the gathering ends (at once when it is cancelled).
COURSES_PERSONAL_ANSWERS_KEEP_DAYS = env.int("COURSES_PERSONAL_ANSWERS_KEEP_DAYS", default=0)
# Job shadowing: the participant's report and the host's feedback are due this many days after
# the last day of the placement (reminders go out when it ends and a few days before).
HOSPITERING_REPORT_DUE_DAYS = env.int("HOSPITERING_REPORT_DUE_DAYS", default=30)
# Model libraries are reminded of a report this many days before it is due.
MODELBIBLIOTEK_REMINDER_DAYS = env.int("MODELBIBLIOTEK_REMINDER_DAYS", default=14)

# No survey figure is about fewer respondents than this; a survey may ask for more, never less.
SURVEYS_MIN_GROUP_SIZE_FLOOR = env.int("SURVEYS_MIN_GROUP_SIZE_FLOOR", default=5)
# The gaps a submission found reach its thank-you page in a cookie of the browser that lives
# this long at most (the privacy notice says so).
SURVEYS_THANKS_COOKIE_MINUTES = 10

# Invitation links work this many days (the invitation says so; the inviter can re-send it).
PORTAL_INVITATION_VALID_DAYS = env.int("PORTAL_INVITATION_VALID_DAYS", default=14)

# The dashboard and the results pages show figures written to since they were computed as they
# were (with their time) for up to this many seconds, so that a busy survey week does not compute
# them for every reader (portal/dashboard.py, "fresh enough"; surveys.results.selectors,
# `survey_results`). The report to the funder, the exports and the API are always exact. 0: always
# as they are now.
PORTAL_FIGURES_FRESHNESS_SECONDS = env.int("PORTAL_FIGURES_FRESHNESS_SECONDS", default=120)

# The exchange orders offers by the reader's library's (or county's) largest competence gaps: a
# guide, not published figures, and they move slowly. In a survey week they are shown as they
# were (with their time) for up to this many seconds, every library's computed at once
# (hospitering.selectors, `_every_group_gaps`). 0: always as the sums are now.
HOSPITERING_GAPS_FRESHNESS_SECONDS = env.int("HOSPITERING_GAPS_FRESHNESS_SECONDS", default=600)

# Personal data (the privacy notice states these periods; portal/privacy.py applies them).
# Invitations nobody accepted are deleted this many days after they expired:
PORTAL_RETENTION_INVITATION_DAYS = env.int("PORTAL_RETENTION_INVITATION_DAYS", default=90)
# Accounts whose e-mail address was never verified and that never signed in:
PORTAL_RETENTION_UNVERIFIED_ACCOUNT_DAYS = env.int(
    "PORTAL_RETENTION_UNVERIFIED_ACCOUNT_DAYS", default=30
)
# Audit-log entries keep their details (who, what data) this long; the action itself stays:
PORTAL_RETENTION_AUDIT_DETAIL_DAYS = env.int("PORTAL_RETENTION_AUDIT_DETAIL_DAYS", default=730)
# Download links of "export my data" files work this many days:
PORTAL_RETENTION_EXPORT_DAYS = env.int("PORTAL_RETENTION_EXPORT_DAYS", default=7)
# Who answers questions about personal data (named by the privacy and accessibility statements).
PORTAL_PRIVACY_CONTACT = env("PORTAL_PRIVACY_CONTACT", default="personvern@kompetanseportalen.no")


if REDIS_URL:
    # While Redis is unreachable the cache serves from the database (portal/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

# Sessions are read from the cache (Redis, shared by every web server) and written through to the
# database, so a request costs no session query, and nothing is lost when the cache is emptied.
# Only a change writes (sign-in, language, messages): never every request.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Security. Cookies are HttpOnly and SameSite; "secure" and HSTS are switched on behind HTTPS.
SECURE_HTTPS = env.bool("SECURE_HTTPS", default=False)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
LANGUAGE_COOKIE_SECURE = SECURE_HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
SECURE_SSL_REDIRECT = SECURE_HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if SECURE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Pages carry no inline script or style: everything comes from our own static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["https://www.youtube-nocookie.com", "https://player.vimeo.com"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "portal.access": {"level": "INFO"},
        "django.security.DisallowedHost": {"level": "ERROR"},
    },
}

# The read API (/api/v1/, the api app): personal tokens or the signed-in session, the one policy's
# answers, pages of a stable order, validated filters and a rate limit per token.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "api.renderers.CSVRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.renderers.FormatNegotiation",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PortalPagination",
    "DEFAULT_FILTER_BACKENDS": ["api.filters.StrictFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per token (or per signed-in person) and period: "600/minute", "20000/day".
PORTAL_API_RATE = env("PORTAL_API_RATE", default="600/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "Kompetanseportalen API",
    "DESCRIPTION": (
        "Read-only access to what you may see in Kompetanseportalen: programmes, counties, "
        "libraries, surveys and their aggregated results, courses, gatherings, registrations "
        "and the job-shadowing exchange. Authenticate with a personal API token from your "
        "profile page: `Authorization: Bearer <token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_refusals",
    ],
    "ENUM_NAME_OVERRIDES": {
        "SurveyStatusEnum": "surveys.models.Survey.Status",
        "RegistrationStatusEnum": "courses.models.Registration.Status",
        "OfferStatusEnum": "hospitering.models.Offer.Status",
        "ReportStatusEnum": "modelbibliotek.models.ProgressReport.Status",
    },
}

# Demo data (demo accounts) may only be loaded where this is on; never in production.
PORTAL_ALLOW_DEMO = env.bool("PORTAL_ALLOW_DEMO", default=False)

# The load test's trivial view (`HttpResponse("ok")` for a signed-in person, at /benchmark/ok/):
# only where a benchmark switches it on, never in normal production (`check --deploy` warns).
PORTAL_BENCHMARK_VIEWS = env.bool("PORTAL_BENCHMARK_VIEWS", default=False)

# Where links in e-mails point.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
SILENCED_SYSTEM_CHECKS = ["models.W047"]  # SQLite quick-start only; PostgreSQL enforces it
