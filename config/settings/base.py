"""Settings shared by every environment; values come from the environment through config.env."""

from datetime import timedelta

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import BASE_DIR, env_bool, env_int, env_list, env_str, var_dir

VAR_DIR = var_dir()

DEBUG = env_bool("GRANNAR_DEBUG", False)
SECRET_KEY = env_str("GRANNAR_SECRET_KEY", "grannar-local-only-secret-key-change-me-in-production")
# Key for encrypted fields (personnummer). Production requires its own; elsewhere it is derived
# from SECRET_KEY so that a local run needs no setup.
FIELD_ENCRYPTION_KEY = env_str("GRANNAR_FIELD_KEY", "")
ALLOWED_HOSTS = env_list("GRANNAR_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("GRANNAR_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "grannar.core",
    "grannar.programmes",
    "grannar.people",
    "grannar.training",
    "grannar.evaluation",
    "grannar.collaboration",
    "grannar.reporting",
    "grannar.api",
    "grannar.site",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "grannar.core.middleware.SessionMiddleware",
    "grannar.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "grannar.api.middleware.TokenMiddleware",
    "grannar.core.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "grannar.core.middleware.ScopeMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "grannar" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "grannar.site.context_processors.navigation",
            ],
        },
    }
]


def _database() -> dict:
    url = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'grannar.sqlite3'}")
    # With kept connections (GRANNAR_DB_CONN_MAX_AGE > 0) each request first checks that its
    # connection still works, so that a web process carries on by itself after the database
    # restarts instead of failing one request per thread on a dead connection.
    config = dj_database_url.parse(
        url,
        conn_max_age=env_int("GRANNAR_DB_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at the
        # start of a transaction, so two writers queue instead of failing half-way.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("GRANNAR_SQLITE_TIMEOUT", 30),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "grannar.people.backends.UserBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "site:start"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
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

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "grannar" / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Sessions end after this long without a request. The session middleware renews an unchanged
# session at most once per GRANNAR_SESSION_RENEW_SECONDS, so most requests write nothing.
SESSION_ENGINE = "grannar.core.sessions"
SESSION_COOKIE_AGE = env_int("GRANNAR_SESSION_SECONDS", 60 * 60)
SESSION_SAVE_EVERY_REQUEST = False
GRANNAR_SESSION_RENEW_SECONDS = env_int("GRANNAR_SESSION_RENEW_SECONDS", 60)
# Messages travel in a signed cookie to the next page, not in the session.
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# No inline scripts or styles anywhere, and nothing from another host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Login lockout (django-axes): five failures for one account lock it for a while.
AXES_FAILURE_LIMIT = env_int("GRANNAR_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("GRANNAR_LOGIN_COOLOFF_MINUTES", 15))
# Per account and address: a shared municipal address cannot lock everyone out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "grannar.people.models.login_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Behind proxies (a load balancer in front of several web machines) the address is read from
# X-Forwarded-For: GRANNAR_PROXY_COUNT is how many proxies of ours a request passes.
GRANNAR_PROXY_COUNT = env_int("GRANNAR_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "grannar.core.addresses.client_address"
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# Two-factor authentication (django-otp, TOTP with recovery codes).
OTP_TOTP_ISSUER = "Grannar"

# Single sign-on with OpenID Connect (mozilla-django-oidc, see grannar/people/sso.py); offered
# on the login page when issuer, client id and secret are all set. Endpoints are discovered
# from the issuer's /.well-known/openid-configuration.
GRANNAR_OIDC_ISSUER = env_str("GRANNAR_OIDC_ISSUER", "")
OIDC_RP_CLIENT_ID = env_str("GRANNAR_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("GRANNAR_OIDC_CLIENT_SECRET", "")
# The name on the button ("Sign in with <name>"); a generic one when empty.
GRANNAR_OIDC_NAME = env_str("GRANNAR_OIDC_NAME", "")
OIDC_RP_SIGN_ALGO = env_str("GRANNAR_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = "openid email"
OIDC_USE_PKCE = True
OIDC_TOKEN_USE_BASIC_AUTH = True
OIDC_TIMEOUT = env_int("GRANNAR_OIDC_TIMEOUT_SECONDS", 10)
OIDC_CREATE_USER = False
OIDC_AUTHENTICATION_CALLBACK_URL = "account:sso_callback"
# A sign-in started longer ago than this is refused when it comes back.
GRANNAR_OIDC_STATE_SECONDS = env_int("GRANNAR_OIDC_STATE_SECONDS", 10 * 60)
# Staff roles skip Grannar's own second factor when the provider asserts multi-factor
# authentication: one of these values in the ID token's `amr` list or as its `acr`.
GRANNAR_OIDC_TRUST_MFA = env_bool("GRANNAR_OIDC_TRUST_MFA", True)
GRANNAR_OIDC_MFA_VALUES = env_list(
    "GRANNAR_OIDC_MFA_VALUES",
    ["mfa", "http://schemas.openid.net/pape/policies/2007/06/multi-factor"],
)

EMAIL_BACKEND = env_str("GRANNAR_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("GRANNAR_FROM_EMAIL", "grannar@localhost")
# Where django.core.mail.backends.filebased.EmailBackend writes each message.
EMAIL_FILE_PATH = env_str("GRANNAR_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))


# The task queue: the database backend on one machine, RQ on Redis at scale (docs/operations.md).
TASKS_BACKEND = env_str("GRANNAR_TASKS_BACKEND", "database")
REDIS_URL = env_str("GRANNAR_REDIS_URL", "")
# Longest a job may run: RQ stops it then, and a worker takes back the job of a worker on
# another machine that has been silent this long.
GRANNAR_TASK_TIMEOUT = env_int("GRANNAR_TASK_TIMEOUT", 1800)
# Tests only: a job stops at this point so that its worker can be killed (production: never).
GRANNAR_TASK_PAUSE = env_str("GRANNAR_TASK_PAUSE", "")


def _tasks() -> dict:
    if TASKS_BACKEND == "rq":
        if not REDIS_URL:
            raise ImproperlyConfigured("GRANNAR_TASKS_BACKEND=rq needs GRANNAR_REDIS_URL.")
        return {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    if TASKS_BACKEND == "immediate":
        return {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    if TASKS_BACKEND == "database":
        return {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    raise ImproperlyConfigured(
        f"GRANNAR_TASKS_BACKEND must be database, rq or immediate, not {TASKS_BACKEND!r}."
    )


TASKS = _tasks()
if TASKS_BACKEND == "rq":
    INSTALLED_APPS.insert(INSTALLED_APPS.index("django_tasks_db") + 1, "django_rq")
RQ_QUEUES = {
    "default": {
        "URL": REDIS_URL or "redis://127.0.0.1:6379/0",
        "DEFAULT_TIMEOUT": GRANNAR_TASK_TIMEOUT,
    }
}


def _caches() -> dict:
    # "progress": how far a running import has come, shared by the web server and the worker
    # (see grannar/training/progress.py). Files on one machine; Redis across several hosts.
    redis_url = env_str("GRANNAR_PROGRESS_REDIS_URL", "")
    progress = (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
        if redis_url
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "progress"),
        }
    )
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "progress": progress,
    }


CACHES = _caches()

# Request lines leave out query strings and tokens in paths; a refusal is one line.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_line": {"()": "grannar.core.logs.RequestLineFilter"},
        "server_line": {"()": "grannar.core.logs.ServerLineFilter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("GRANNAR_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "django.request": {"filters": ["request_line"]},
        "django.security.csrf": {"filters": ["request_line"]},
        "django.server": {"filters": ["server_line"], "propagate": True},
    },
}

# The embedded runtime runs the retention rules once a day (`grannar retention run`) when on.
GRANNAR_RETENTION_DAILY = env_bool("GRANNAR_RETENTION_DAILY", False)
GRANNAR_REFERENCE_PROGRAMME = BASE_DIR / "grannar" / "programmes" / "data" / "nya-grannar.toml"
GRANNAR_DEMO_PASSWORD = env_str("GRANNAR_DEMO_PASSWORD", "grannar-demo-2026")
# Keys the survey pseudonyms: changing it breaks the pairing of before and after answers.
GRANNAR_PSEUDONYM_KEY = env_str("GRANNAR_PSEUDONYM_KEY", "") or SECRET_KEY
# Attended registrations in `grannar demo --scale national` (the scale benchmark's data).
GRANNAR_NATIONAL_ATTENDANCE = env_int("GRANNAR_NATIONAL_ATTENDANCE", 1_000_000)
PEOPLE_PAGE_SIZE = 50
# Seats reserved for a municipality go to everyone this many days before the session,
# unless the session sets its own time.
GRANNAR_RESERVATION_RELEASE_DAYS = env_int("GRANNAR_RESERVATION_RELEASE_DAYS", 7)
# The address people use to reach Grannar, for links in e-mail.
GRANNAR_SITE_URL = env_str("GRANNAR_SITE_URL", "http://127.0.0.1:8000")
# Commands that help people try the demo (e.g. `grannar demo-code`); off in production.
GRANNAR_DEMO_TOOLS = True
# Where `grannar backup` and `restore` find pg_dump and pg_restore (PostgreSQL); unset: PATH.
GRANNAR_PG_BIN_DIR = env_str("GRANNAR_PG_BIN_DIR", "")
# The REST API (grannar/api): where it lives, how many requests one token may make (e.g.
# "600/min"; counted in the default cache, so per web process unless that cache is shared),
# and how long a new token lives unless told otherwise.
GRANNAR_API_PATH = "/api/"
GRANNAR_API_RATE = env_str("GRANNAR_API_RATE", "600/min")
GRANNAR_API_TOKEN_DAYS = env_int("GRANNAR_API_TOKEN_DAYS", 90)
