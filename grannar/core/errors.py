"""What a visitor sees when a request fails on our side.

A database that cannot be reached (restarting, failing over, out of connections) is a passing
state, not a fault in the request: the answer is 503 with a page that says to try again in a
while, and a `Retry-After` header for proxies and scripts. Every other uncaught error is the
ordinary 500 page. Neither page shows a traceback, and neither touches the database: they are
rendered without the request, so no context processor, session or user is read.

The transaction of the failed request has been rolled back (or never committed) by then:
every service writes in one `transaction.atomic()` block, so nothing is half-written.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponseServerError
from django.template import loader

# Seconds a client is asked to wait before trying again; a database restart takes a few.
RETRY_AFTER_SECONDS = 10


class HttpResponseServiceUnavailable(HttpResponseServerError):
    status_code = 503


def database_unavailable(error: BaseException | None) -> bool:
    """True for the errors a database raises while it cannot answer: it is down, restarting,
    closed the connection, or refused the query for now (a lock or serialization conflict).
    Django wraps the driver's errors in these two classes on every backend."""
    return isinstance(error, OperationalError | InterfaceError)


def _drop_new_messages(request) -> None:
    """Forget the messages this request added ("Du har en plats"): what they announce may not
    have been saved. Messages from the request before stay for the next page."""
    storage = getattr(request, "_messages", None)
    queued = getattr(storage, "_queued_messages", None)
    if queued:
        queued.clear()


def server_error(request, template_name: str = "500.html"):
    """`handler500`: the 503 page when the database is unavailable, else the 500 page."""
    error = sys.exc_info()[1]
    _drop_new_messages(request)
    if database_unavailable(error):
        response = HttpResponseServiceUnavailable(loader.get_template("503.html").render())
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return HttpResponseServerError(loader.get_template(template_name).render())
