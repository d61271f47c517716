"""The REST API at /api/v1/: one NinjaAPI, one thin router per domain, every operation behind a
personal token, with one error shape and a rate per token."""

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from grannar.api import errors
from grannar.api.routers import collaboration, people, programmes, reporting, training
from grannar.api.security import TokenAuth, TokenThrottle


class LocalSwagger(Swagger):
    """The interactive docs from the app's own static files, in a page with a language and a
    title (the packaged page has neither)."""

    template = "api/docs.html"


api = NinjaAPI(
    title="Grannar API",
    version="1",
    description=(
        "Programmes, courses, sessions, registrations, people, attendance, figures and pilot "
        "workshops. Send a personal token as `Authorization: Bearer <token>`; it acts with "
        "exactly its owner's roles. Lists take `limit` and `offset` and return `count`. "
        'Errors are `{"detail": "...", "errors": [{"field": "...", "message": "..."}]}`.'
    ),
    urls_namespace="api",
    docs=LocalSwagger(),
    auth=TokenAuth(),
    throttle=TokenThrottle(),
)
errors.install(api)
for module in (programmes, training, people, reporting, collaboration):
    api.add_router("/", module.router)
