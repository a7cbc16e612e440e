"""Files browsers ask for at fixed addresses."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """`/favicon.ico`, which browsers, feed readers and bookmarking tools ask for
    on pages that name no icon (the admin's): the site's icon from the static files.

    A temporary redirect, since the static file's name changes with its content.
    """
    return HttpResponseRedirect(static("favicon.svg"))
