"""The browser tab's title for a list state: "Robotics, with code · 48 papers".

A reader with several tabs of the site, or a bookmark or history entry, tells the
states apart by their titles. Pure: built from the chips (papers.facets.Chip) that the
page shows for its active filters.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import ngettext

from papers.facets import Chip

SITE_NAME = "AI paper digests"
# Chips whose label is a phrase ("With code"), lower-cased inside the title.
PHRASE_KINDS = {"has_code", "has_hf"}


def list_title(
    *,
    scope: str = "",
    chips: Sequence[Chip] = (),
    count: int | None,
    page: int = 1,
    pages: int = 1,
) -> str:
    """`scope` (an author's or tag's name, "My bookmarks"; empty on the list page),
    the active filters, then the number of papers, and the page after the first.

    `count` is None when the filters could not be read (nothing was counted).
    """
    labels = [scope] if scope else []
    labels += [
        chip.label[:1].lower() + chip.label[1:]
        if chip.kind in PHRASE_KINDS
        else chip.label
        for chip in chips
    ]
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
