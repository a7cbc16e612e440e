"""A reader's bookmarks: toggling, notes, statuses, "not interested", lists, exports.

Every view that changes something is POST-only and finds what it changes through the
logged-in user (`user=request.user` in the lookup), so another reader's bookmark or
list is a 404 whatever id is sent. Each works as a plain form (redirect to a validated
`next`) and, with htmx, answers with the fragment it changed. htmx swaps only 2xx
responses, so a fragment showing form errors comes back as 200; without htmx, invalid
input gets a message and a redirect, or the form again with status 400.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from papers.api_errors import api_error, form_errors
from papers.browse.engine import Scope, browse
from papers.browse.reader import Reader
from papers.clean_urls import redirect_to_clean_url
from papers.exports import ExportedBookmark, to_bibtex, to_csv, to_json
from papers.filters import BOOKMARK_SORTS, BookmarkFilter
from papers.forms import BookmarkListsForm, NoteForm, ReadingListForm, StatusForm
from papers.models import Bookmark, Dismissal, Paper, PaperQuerySet, ReadingList
from papers.views import HtmxHttpRequest
from papers.views.accounts import (
    attachment,
    login_redirect,
    reader_required,
    remember_pending_bookmark,
    safe_next,
)
from papers.views.browse import browse_context

# The fields of the bookmark controls are "bookmark-note", "bookmark-status", ...: names
# the filter form around the cards never uses, since htmx merges that form's values
# into a card control's POST.
FIELD_PREFIX = "bookmark"


def set_or_toggle(manager, wanted: str | None, *, user, paper: Paper) -> bool:
    """Apply the state the button asked for ("1" or "0"), else toggle; returns it.

    The buttons post the state they show the user, so a double click or a stale
    second tab repeats the intent instead of undoing it.
    """
    if wanted == "1":
        manager.add(user=user, paper=paper)
        return True
    if wanted == "0":
        manager.remove(user=user, paper=paper)
        return False
    return manager.toggle(user=user, paper=paper)


def first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return "Please correct the form."


@require_POST
def bookmark_toggle(request: HtmxHttpRequest, paper_id: int) -> HttpResponse:
    paper = get_object_or_404(Paper, pk=paper_id)
    next_url = safe_next(request, fallback=paper.get_absolute_url())
    if not request.user.is_authenticated:
        remember_pending_bookmark(request, paper)
        return login_redirect(request, next_url)
    saved = set_or_toggle(
        Bookmark.objects,
        request.POST.get("bookmark-state"),
        user=request.user,
        paper=paper,
    )
    if not request.htmx:
        if saved:
            messages.success(request, f"Bookmarked “{paper.title}”.")
        else:
            messages.success(request, f"Removed the bookmark on “{paper.title}”.")
        return redirect(next_url)
    paper.is_bookmarked = saved
    context = {
        "paper": paper,
        "return_to": next_url,
        "oob_bookmark_count": Bookmark.objects.filter(user=request.user).count(),
    }
    return render(request, "papers/_bookmark_button.html", context)


def _own_bookmark(request: HtmxHttpRequest, paper_id: int) -> tuple[Bookmark, str]:
    """The reader's bookmark on the paper (404 for anyone else's, so nobody learns
    whether it exists) and where to go back to afterwards."""
    bookmark = get_object_or_404(
        Bookmark.objects.select_related("paper"), user=request.user, paper_id=paper_id
    )
    return bookmark, safe_next(request, fallback=reverse("papers:bookmarks"))


@require_POST
@reader_required
def bookmark_note(request: HtmxHttpRequest, paper_id: int) -> HttpResponse:
    bookmark, next_url = _own_bookmark(request, paper_id)
    # An invalid form leaves the instance's note as it was: only valid fields are
    # copied onto it. A POST without the field is refused rather than read as "".
    form = NoteForm(request.POST, instance=bookmark, prefix=FIELD_PREFIX)
    if form["note"].html_name not in request.POST:
        form.add_error("note", "No note was sent.")
    if form.is_valid():
        form.save()
        if not request.htmx:
            messages.success(request, "Note saved.")
            return redirect(next_url)
        context = {"bookmark": bookmark, "return_to": next_url}
        return render(request, "papers/_bookmark_note.html", context)
    context = {"bookmark": bookmark, "note_form": form, "return_to": next_url}
    if not request.htmx:
        return render(request, "papers/bookmark_note_form.html", context, status=400)
    return render(request, "papers/_bookmark_note.html", context)


@require_POST
@reader_required
def bookmark_status(request: HtmxHttpRequest, paper_id: int) -> HttpResponse:
    bookmark, next_url = _own_bookmark(request, paper_id)
    form = StatusForm(request.POST, instance=bookmark, prefix=FIELD_PREFIX)
    if form.is_valid():
        form.save()
        if not request.htmx:
            status = bookmark.get_status_display()
            messages.success(request, f"Marked “{bookmark.paper.title}” as {status}.")
            return redirect(next_url)
    elif not request.htmx:
        messages.error(request, first_error(form))
        return redirect(next_url)
    context = {
        "bookmark": bookmark,
        "status_errors": form.errors.get("status"),
        "return_to": next_url,
    }
    return render(request, "papers/_bookmark_status.html", context)


@require_POST
@reader_required
def bookmark_lists(request: HtmxHttpRequest, paper_id: int) -> HttpResponse:
    """Set which of the reader's lists the bookmark is in."""
    bookmark, next_url = _own_bookmark(request, paper_id)
    form = BookmarkListsForm(request.POST, user=request.user, prefix=FIELD_PREFIX)
    if form.is_valid():
        bookmark.lists.set(form.cleaned_data["lists"])
        if not request.htmx:
            messages.success(request, "Lists updated.")
            return redirect(next_url)
    elif not request.htmx:
        messages.error(request, first_error(form))
        return redirect(next_url)
    context = {
        "bookmark": bookmark,
        "reading_lists": ReadingList.objects.filter(user=request.user),
        "lists_errors": form.errors.get("lists"),
        "return_to": next_url,
    }
    return render(request, "papers/_bookmark_lists.html", context)


@require_POST
@reader_required
def dismiss_toggle(request: HtmxHttpRequest, paper_id: int) -> HttpResponse:
    paper = get_object_or_404(Paper, pk=paper_id)
    next_url = safe_next(request, fallback=paper.get_absolute_url())
    dismissed = set_or_toggle(
        Dismissal.objects,
        request.POST.get("dismiss-state"),
        user=request.user,
        paper=paper,
    )
    if not request.htmx:
        if dismissed:
            messages.success(request, f"You will see less of “{paper.title}”.")
        else:
            messages.success(request, f"“{paper.title}” is no longer dismissed.")
        return redirect(next_url)
    paper.is_dismissed = dismissed
    return render(
        request, "papers/_dismiss_button.html", {"paper": paper, "return_to": next_url}
    )


@require_GET
@reader_required
def reading_lists(request: HtmxHttpRequest) -> HttpResponse:
    return render_reading_lists(request, ReadingListForm())


def render_reading_lists(
    request: HtmxHttpRequest, form: ReadingListForm, *, status: int = 200
) -> HttpResponse:
    context = {
        "reading_lists": ReadingList.objects.filter(user=request.user).with_counts(),
        "form": form,
    }
    return render(request, "papers/reading_lists.html", context, status=status)


@require_POST
@reader_required
def reading_list_create(request: HtmxHttpRequest) -> HttpResponse:
    form = ReadingListForm(request.POST, instance=ReadingList(user=request.user))
    if not form.is_valid():
        return render_reading_lists(request, form, status=400)
    reading_list = form.save()
    messages.success(request, f"Created the list “{reading_list.name}”.")
    return redirect(safe_next(request, fallback=reverse("papers:lists")))


@require_POST
@reader_required
def reading_list_rename(request: HtmxHttpRequest, list_id: int) -> HttpResponse:
    reading_list = get_object_or_404(ReadingList, pk=list_id, user=request.user)
    old_name = reading_list.name
    form = ReadingListForm(request.POST, instance=reading_list)
    if form.is_valid():
        form.save()
        messages.success(request, f"Renamed “{old_name}” to “{reading_list.name}”.")
    else:
        messages.error(request, f"“{old_name}” was not renamed: {first_error(form)}")
    return redirect(safe_next(request, fallback=reverse("papers:lists")))


@require_POST
@reader_required
def reading_list_delete(request: HtmxHttpRequest, list_id: int) -> HttpResponse:
    reading_list = get_object_or_404(ReadingList, pk=list_id, user=request.user)
    reading_list.delete()
    messages.success(
        request,
        f"Deleted the list “{reading_list.name}”; its papers stay bookmarked.",
    )
    return redirect(safe_next(request, fallback=reverse("papers:lists")))


EXPORT_FORMATS = {
    "bib": ("application/x-bibtex; charset=utf-8", to_bibtex),
    "csv": ("text/csv; charset=utf-8", to_csv),
    "json": ("application/json; charset=utf-8", to_json),
}


def bookmark_filter(request: HtmxHttpRequest) -> BookmarkFilter:
    """The reader's bookmarked papers under the request's parameters."""
    return BookmarkFilter(
        request.GET, queryset=bookmarked_papers(request.user), request=request
    )


def bookmarked_papers(user) -> PaperQuerySet:
    return Paper.objects.bookmarked_by(user).with_bookmarked_at(user)


@require_GET
@reader_required
@vary_on_headers("HX-Request")
@redirect_to_clean_url(default_sort="bookmarked")
def bookmark_list(request: HtmxHttpRequest) -> HttpResponse:
    """ "My bookmarks": the list page over the reader's own bookmarks (facet counts
    included), plus status, list, notes and sort by bookmarking date. The whole page,
    or its `browse` partial for htmx.
    """
    user = request.user
    path = reverse("papers:bookmarks")
    result = browse(Scope(path=path, bookmarks=True), request.GET, Reader.of(request))
    context = browse_context(request, result, path=path, scope_name="My bookmarks")
    context |= {
        "heading_kind": "bookmarks",
        "sorts": BOOKMARK_SORTS,
        "reading_lists": list(ReadingList.objects.filter(user=user)),
    }
    if result.valid:
        context["sort"] = result.effective_sort
        context["current_list"] = result.data.get("list")
        for paper in context["page"]:
            # None only if the bookmark went away since the papers were filtered.
            paper.bookmark = next(iter(paper.user_bookmarks), None)
    template = "papers/bookmark_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#browse"
    return render(request, template, context)


@require_GET
@reader_required
def bookmarks_export(request: HtmxHttpRequest, fmt: str) -> HttpResponse:
    """The bookmarks on the page's URL (all, a list, or any filtered view) as a file.

    Same parameters as "My bookmarks"; `page` is ignored, every match is exported.
    """
    if fmt not in EXPORT_FORMATS:
        raise Http404("Unknown export format.")
    filterset = bookmark_filter(request)
    if not filterset.is_valid():
        return api_error(
            400, "Some parameters are invalid.", errors=form_errors(filterset.errors)
        )
    papers = filterset.qs
    bookmarks = {
        bookmark.paper_id: bookmark
        for bookmark in Bookmark.objects.filter(
            user=request.user, paper__in=papers.values("pk")
        ).for_export()
    }
    # In the page's sort order.
    records = [
        ExportedBookmark.from_bookmark(bookmarks[pk])
        for pk in papers.values_list("pk", flat=True)
        if pk in bookmarks
    ]
    content_type, write = EXPORT_FORMATS[fmt]
    response = HttpResponse(write(records), content_type=content_type)
    response["Content-Disposition"] = attachment(
        export_filename(request, filterset, fmt)
    )
    return response


def export_filename(
    request: HtmxHttpRequest, filterset: BookmarkFilter, fmt: str
) -> str:
    parts = ["bookmarks", request.user.get_username()]
    reading_list = filterset.form.cleaned_data.get("list")
    if reading_list is not None:
        parts.append(slugify(reading_list.name) or f"list-{reading_list.pk}")
    if any(
        value
        for name, value in filterset.form.cleaned_data.items()
        if name not in {"list", "sort", "page"}
    ):
        parts.append("filtered")
    parts.append(timezone.now().date().isoformat())
    return "-".join(parts) + f".{fmt}"
