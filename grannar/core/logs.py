"""What the logs may say about a request: the method, the status and the path, never the
query string (it carries searched names) and never a one-time token or code in the path.

`loggable_path` is used by the web server's access log (`grannar.core.access_log`), by
runserver's request lines and by Django's own request warnings (`RequestLineFilter`).
"""

import functools
import logging
import re
from urllib.parse import urlsplit

from django.urls import reverse

HIDDEN = "[hidden]"
# URL names whose path carries a secret, and the path parameter that holds it.
SECRET_PARAMETERS = {
    "survey_answer": "token",
    "certificate_verify": "code",
    "training:calendar_feed": "token",
    "collaboration:reference_verify": "code",
}


@functools.cache
def _secret_prefixes() -> tuple[str, ...]:
    """The path before each secret (`/s/`, `/verify/`, `/training/feed/`), read from the URL
    configuration."""
    marker = "SECRET"
    return tuple(
        reverse(name, kwargs={parameter: marker}).split(marker, 1)[0]
        for name, parameter in SECRET_PARAMETERS.items()
    )


def loggable_path(path: str) -> str:
    """The path without its query string, with the segment after a secret's prefix replaced
    (also when the rest of the path does not resolve, as `/s/<token>` without its slash)."""
    path = path.split("?", 1)[0].split("#", 1)[0]
    try:
        prefixes = _secret_prefixes()
    except Exception:  # a log line must never raise; then it says nothing of the path
        return HIDDEN
    for prefix in prefixes:
        if path.startswith(prefix) and len(path) > len(prefix):
            _secret, slash, rest = path[len(prefix) :].partition("/")
            return f"{prefix}{HIDDEN}{slash}{rest}"
    return path


def loggable_url(url: str) -> str:
    """A full URL (a referrer) reduced the same way: scheme, host and a loggable path."""
    if not url or url == "-":
        return url
    parts = urlsplit(url)
    if parts.netloc:
        return f"{parts.scheme}://{parts.netloc}{loggable_path(parts.path)}"
    return loggable_path(parts.path)


class RequestLineFilter(logging.Filter):
    """Django's request warnings as one line: status, method and loggable path.

    A refusal (4xx) is routine and needs no traceback; a server error (5xx) keeps it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        status = getattr(record, "status_code", None)
        if request is None or status is None:
            return True
        record.msg = "%s %s %s"
        record.args = (status, request.method, loggable_path(request.path))
        if status < 500:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True


_REQUEST_LINE = re.compile(r"^(?P<method>[A-Z]+) (?P<target>\S+)(?P<rest> HTTP/[\d.]+)?$")


class ServerLineFilter(logging.Filter):
    """runserver's access lines (`"GET /path?query HTTP/1.1" 200 123`) with a loggable path."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args and isinstance(args[0], str):
            line = _REQUEST_LINE.match(args[0])
            if line:
                path = loggable_path(line["target"])
                record.args = (f"{line['method']} {path}{line['rest'] or ''}", *args[1:])
        return True
