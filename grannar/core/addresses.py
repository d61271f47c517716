"""The address a request came from, also behind proxies.

Behind a proxy every request reaches the web process from the proxy's address. Each proxy
appends the address it received the request from to `X-Forwarded-For`, so with
`GRANNAR_PROXY_COUNT` proxies in front of the web processes the client is the entry that many
places from the end. Entries before it were written by the client and are not believed.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    """The client's address: `REMOTE_ADDR` without proxies, else the entry of
    `X-Forwarded-For` that the outermost of our proxies wrote."""
    remote = request.META.get("REMOTE_ADDR")
    count = settings.GRANNAR_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(forwarded) < count:
        # Not through all our proxies (a health check from inside, say): the direct peer.
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        # Not an address: the proxy count is set higher than the proxies there are.
        return remote
