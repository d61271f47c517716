"""Production: everything secure, nothing defaulted that must be secret."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import FIELD_ENCRYPTION_KEY, SECRET_KEY

DEBUG = False
GRANNAR_DEMO_TOOLS = False
GRANNAR_TASK_PAUSE = ""
if SECRET_KEY.startswith("grannar-local-only") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("GRANNAR_SECRET_KEY must be set to a long random value.")
if not FIELD_ENCRYPTION_KEY:
    raise ImproperlyConfigured("GRANNAR_FIELD_KEY must be set in production.")

SECURE_SSL_REDIRECT = env_bool("GRANNAR_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("GRANNAR_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
EMAIL_BACKEND = env_str("GRANNAR_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
