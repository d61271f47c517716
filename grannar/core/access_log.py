"""gunicorn's access log without query strings or secrets in paths (see `grannar.core.logs`).

`grannar serve` starts gunicorn with `--logger-class grannar.core.access_log.AccessLogger`;
a production start command must pass the same option.
"""

from gunicorn.glogging import Logger

from grannar.core.logs import loggable_path, loggable_url


class AccessLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = loggable_path(environ.get("PATH_INFO") or "/")
        atoms["r"] = f"{environ['REQUEST_METHOD']} {path} {environ['SERVER_PROTOCOL']}"
        atoms["U"] = path
        atoms["q"] = ""
        atoms["f"] = loggable_url(atoms["f"])
        # Headers and environ variables repeat the raw path, query string and referrer.
        for key in [key for key in atoms if key.startswith("{")]:
            if key.endswith("}e") or key in ("{referer}i", "{cookie}i", "{authorization}i"):
                del atoms[key]
        return atoms
