"""The browser tab's title for a list state: "Robotics, with code · 48 papers".

A reader with several tabs of the site, or a bookmark or history entry, tells the
states apart by their titles. Pure: built from the chips
(papers.browse.querystring.Chip) that the page shows for its active filters.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import ngettext

from papers.browse.querystring import Chip
from papers.filters import HIDE_CHOICES
from papers.models import Bookmark

SITE_NAME = "AI paper digests"
# Chips whose label is a phrase ("With code"), lower-cased inside the title.
PHRASE_KINDS = {"has_code", "has_hf"}


def list_title(
    *,
    scope: str = "",
    chips: Sequence[Chip] = (),
    reader_filters: Sequence[str] = (),
    count: int | None,
    page: int = 1,
    pages: int = 1,
) -> str:
    """`scope` (an author's or tag's name, "My bookmarks"; empty on the list page),
    the active filters and the reader's own (`reader_labels`), then the number of
    papers, and the page after the first.

    `count` is None when the filters could not be read (nothing was counted).
    """
    labels = [scope] if scope else []
    labels += [
        chip.label[:1].lower() + chip.label[1:]
        if chip.kind in PHRASE_KINDS
        else chip.label
        for chip in chips
    ]
    labels += reader_filters
    if count is None:
        amount = "filters to check"
    else:
        amount = ngettext("%(count)d paper", "%(count)d papers", count) % {
            "count": count
        }
        # The first page is what a link to the state shows: no need to say it.
        if page > 1:
            amount += f", page {page} of {pages}"
    state = ", ".join(labels)
    parts = [state[:1].upper() + state[1:]] if state else []
    return " · ".join([*parts, amount, SITE_NAME])


def reader_labels(cleaned_data: dict) -> list[str]:
    """A logged-in reader's own filters as the title words them: "bookmarked",
    "hiding read", "new since your last visit"; on My bookmarks the status ("to read")
    and the reading list."""
    labels = []
    bookmarked = cleaned_data.get("bookmarked")
    if bookmarked:
        labels.append("bookmarked" if bookmarked == "1" else "not bookmarked")
    if cleaned_data.get("new"):
        labels.append("new since your last visit")
    hidden = dict(HIDE_CHOICES)
    labels += [
        f"hiding {hidden[value].lower()}" for value in cleaned_data.get("hide") or []
    ]
    if cleaned_data.get("status"):
        labels.append(Bookmark.Status(cleaned_data["status"]).label.lower())
    if cleaned_data.get("list"):
        labels.append(f"list “{cleaned_data['list'].name}”")
    return labels
