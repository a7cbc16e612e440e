"""A reader's saved searches: save the list page's state under a name, open it (which
resets its "new" count), rename, delete, renew the secret of its private feeds.

Every change is a POST found through the logged-in user (`user=request.user` in the
lookup), so another reader's search is a 404 whatever id is sent; opening is a POST
too, since it writes when the search was last opened. Each answers with a redirect
and a message, so every form works without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from papers.browse.reader import Reader
from papers.forms import SavedSearchForm, SavedSearchNameForm
from papers.models import SavedSearch
from papers.saved_feeds import SAVED_FEEDS
from papers.saved_searches import with_new_counts
from papers.views import HtmxHttpRequest
from papers.views.accounts import reader_required
from papers.views.bookmarks import first_error


def _own_search(request: HtmxHttpRequest, pk: int) -> SavedSearch:
    return get_object_or_404(SavedSearch, pk=pk, user=request.user)


def _see_other(url: str) -> HttpResponse:
    """A 303: after a POST, the browser GETs the next page."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


@require_safe
@reader_required
@never_cache  # it shows the feeds' secrets: no copy in any cache
def saved_search_list(request: HtmxHttpRequest) -> HttpResponse:
    searches = list(SavedSearch.objects.filter(user=request.user))
    counts = with_new_counts(searches, Reader.of(request))
    # The header's menu shows the first of the same counts (context_processors).
    request.saved_search_counts = counts
    context = {"saved_searches": counts, "max_saved": SavedSearch.MAX_PER_USER}
    return render(request, "papers/saved_searches.html", context)


@require_POST
@reader_required
def saved_search_create(request: HtmxHttpRequest) -> HttpResponse:
    """Save the state in `query_string` under `name`; back to that state."""
    now = timezone.now()
    form = SavedSearchForm(
        request.POST,
        # Saving happens while looking at the state: nothing in it is new yet.
        instance=SavedSearch(user=request.user, last_opened_at=now),
        reader=Reader.of(request),
    )
    if not form.is_valid():
        messages.error(request, f"The search was not saved: {first_error(form)}")
        return _see_other(_back_to_list(form))
    try:
        with transaction.atomic():
            saved = form.save()
    except IntegrityError:  # the same name saved from another tab a moment ago
        messages.error(request, "The search was not saved: the name is taken.")
        return _see_other(_back_to_list(form))
    messages.success(request, f"Saved this search as “{saved.name}”.")
    return _see_other(saved.get_absolute_url())


def _back_to_list(form: SavedSearchForm) -> str:
    """The state the reader tried to save, when it reads; else the plain list."""
    if "query_string" in form.cleaned_data:
        return SavedSearch(
            query_string=form.cleaned_data["query_string"]
        ).get_absolute_url()
    return reverse("papers:list")


@require_POST
@reader_required
def saved_search_open(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Go to the saved state; its papers count as seen from now on."""
    saved = _own_search(request, pk)
    SavedSearch.objects.mark_opened(saved, now=timezone.now())
    return _see_other(saved.get_absolute_url())


@require_POST
@reader_required
def saved_search_rename(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    saved = _own_search(request, pk)
    old_name = saved.name
    form = SavedSearchNameForm(request.POST, instance=saved)
    if form.is_valid():
        try:
            with transaction.atomic():
                form.save()
        except IntegrityError:  # taken from another tab a moment ago
            messages.error(request, f"“{old_name}” was not renamed: the name is taken.")
        else:
            messages.success(request, f"Renamed “{old_name}” to “{saved.name}”.")
    else:
        messages.error(request, f"“{old_name}” was not renamed: {first_error(form)}")
    return _see_other(reverse("papers:saved"))


@require_POST
@reader_required
def saved_search_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    saved = _own_search(request, pk)
    saved.delete()
    messages.success(
        request, f"Deleted the saved search “{saved.name}”; its feeds are gone too."
    )
    return _see_other(reverse("papers:saved"))


@require_POST
@reader_required
def saved_search_renew_feed(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    saved = _own_search(request, pk)
    SavedSearch.objects.renew_feed_token(saved)
    messages.success(
        request,
        f"“{saved.name}” has new feed addresses; the old ones no longer work.",
    )
    return _see_other(reverse("papers:saved") + f"#saved-{saved.pk}")


@require_safe
def saved_search_feed(request: HtmxHttpRequest, token: str, kind: str) -> HttpResponse:
    """The private feed of a saved search: the secret in the URL is the only key, so
    a feed reader follows it without a session."""
    if kind not in SAVED_FEEDS:
        raise Http404("Feeds come as .atom or .rss.")
    return SAVED_FEEDS[kind](request, token=token)
