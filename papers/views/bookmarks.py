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
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from papers.forms import BookmarkListsForm, NoteForm, ReadingListForm, StatusForm
from papers.models import Bookmark, Dismissal, Paper, ReadingList
from papers.views import HtmxHttpRequest
from papers.views.accounts import (
    login_redirect,
    reader_required,
    remember_pending_bookmark,
    safe_next,
)


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
        Bookmark.objects, request.POST.get("bookmarked"), user=request.user, paper=paper
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


@require_POST
@reader_required
def bookmark_note(request: HtmxHttpRequest, paper_id: int) -> HttpResponse:
    bookmark = get_object_or_404(
        Bookmark.objects.select_related("paper"), user=request.user, paper_id=paper_id
    )
    next_url = safe_next(request, fallback=reverse("papers:bookmarks"))
    # An invalid form leaves the instance's note as it was: only valid fields are
    # copied onto it.
    form = NoteForm(request.POST, instance=bookmark)
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
    bookmark = get_object_or_404(
        Bookmark.objects.select_related("paper"), user=request.user, paper_id=paper_id
    )
    next_url = safe_next(request, fallback=reverse("papers:bookmarks"))
    form = StatusForm(request.POST, instance=bookmark)
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
    bookmark = get_object_or_404(
        Bookmark.objects.select_related("paper"), user=request.user, paper_id=paper_id
    )
    next_url = safe_next(request, fallback=reverse("papers:bookmarks"))
    form = BookmarkListsForm(request.POST, user=request.user)
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
        Dismissal.objects, request.POST.get("dismissed"), user=request.user, paper=paper
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
