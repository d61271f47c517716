from django.conf import settings
from django.core.paginator import Page, Paginator


def paginate(request, items) -> tuple[Page, str]:
    """The requested page of `items` and the query string to keep when changing page."""
    page = Paginator(items, settings.PEOPLE_PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()
