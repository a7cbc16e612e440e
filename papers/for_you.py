""" "For you": papers ranked by how much they say what a reader's bookmarks say, and
not what the papers they dismissed ("not interested") say.

Each of the reader's SEEDS newest bookmarks and DISMISSED_SEEDS newest dismissals asks
papers.similar_text for its nearest papers (bounded per paper, see there); a paper's
score is the sum of its similarities to the bookmarks minus DISMISSED_WEIGHT times its
similarities to the dismissed papers. So a page costs one query for the frequencies of
all their words and one bounded query per seed (SEEDS + DISMISSED_SEEDS at most),
whatever the size of the archive, and ranks at most SEEDS * PER_SEED papers. Each
suggestion names the bookmark it is most like, to say why it is there.

Lists sorted "for_you" (the browse engine's, and the SQL path's `only_suggested` and
`in_suggested_order`, for exports) hold the papers of their filters that have a
score, in this order: a paper nothing in the bookmarks points to has no place in it.
"""

from __future__ import annotations

import dataclasses

from django.db.models import Case, IntegerField, Value, When

from papers.models import Bookmark, Dismissal, Paper, PaperQuerySet
from papers.similar_text import document_frequencies, paper_words, similar_by_text

SEEDS = 10
DISMISSED_SEEDS = 10
DISMISSED_WEIGHT = 1.0
PER_SEED = 40


@dataclasses.dataclass(frozen=True)
class Suggestion:
    paper_id: int
    score: float
    because_of: Paper  # the bookmarked paper it is most like (key and title)
    shared_terms: tuple[str, ...]  # what it shares with that paper


@dataclasses.dataclass(frozen=True)
class ForYou:
    has_bookmarks: bool
    suggestions: tuple[Suggestion, ...]


def suggest(user, *, limit: int | None = 20) -> ForYou:
    """The papers most like `user`'s bookmarks, best first (ties: the newer id first),
    never one already bookmarked or dismissed; `limit=None` keeps every paper with a
    score (at most SEEDS * PER_SEED). A list state narrows them (papers.browse)."""
    fields = ("key", "title", "summary")
    seeds = [
        bookmark.paper
        for bookmark in Bookmark.objects.filter(user=user)
        .select_related("paper")
        .only(*(f"paper__{name}" for name in fields), "user_id")
        .order_by("-created_at", "-pk")[:SEEDS]
    ]
    if not seeds:
        return ForYou(has_bookmarks=False, suggestions=())
    dismissed = [
        dismissal.paper
        for dismissal in Dismissal.objects.filter(user=user)
        .select_related("paper")
        .only(*(f"paper__{name}" for name in fields), "user_id")
        .order_by("-created_at", "-pk")[:DISMISSED_SEEDS]
    ]
    # One query for the frequencies of every seed's words: common words recur.
    known = document_frequencies(
        word for paper in [*seeds, *dismissed] for word in paper_words(paper)
    )
    scores: dict[int, float] = {}
    best: dict[int, tuple[float, Paper, tuple[str, ...]]] = {}
    for seed in seeds:
        for match in similar_by_text(seed, limit=PER_SEED, known=known):
            scores[match.paper_id] = scores.get(match.paper_id, 0.0) + match.similarity
            if match.similarity > best.get(match.paper_id, (0.0,))[0]:
                best[match.paper_id] = (match.similarity, seed, match.shared_terms)
    for paper in dismissed:
        for match in similar_by_text(paper, limit=PER_SEED, known=known):
            if match.paper_id in scores:
                scores[match.paper_id] -= DISMISSED_WEIGHT * match.similarity
    excluded = set(
        Bookmark.objects.filter(user=user, paper_id__in=scores).values_list(
            "paper_id", flat=True
        )
    ) | set(
        Dismissal.objects.filter(user=user, paper_id__in=scores).values_list(
            "paper_id", flat=True
        )
    )
    kept = {pk: score for pk, score in scores.items() if score > 0}
    kept = {pk: score for pk, score in kept.items() if pk not in excluded}
    ranked = sorted(kept, key=lambda pk: (-kept[pk], -pk))[:limit]
    return ForYou(
        has_bookmarks=True,
        suggestions=tuple(
            Suggestion(
                paper_id=pk,
                score=kept[pk],
                because_of=best[pk][1],
                shared_terms=best[pk][2],
            )
            for pk in ranked
        ),
    )


def explain(papers: list[Paper], for_you: ForYou) -> None:
    """Attach each paper's `suggestion` (None when it has none), for its card."""
    by_id = {suggestion.paper_id: suggestion for suggestion in for_you.suggestions}
    for paper in papers:
        paper.suggestion = by_id.get(paper.pk)


def only_suggested(papers: PaperQuerySet, for_you: ForYou) -> PaperQuerySet:
    """`papers` that have a suggestion: what a list sorted "for_you" keeps (the SQL
    path's twin of the browse engine's mask)."""
    return papers.filter(pk__in=[s.paper_id for s in for_you.suggestions])


def in_suggested_order(papers: PaperQuerySet, for_you: ForYou) -> PaperQuerySet:
    """`papers` (suggested ones) in the suggestions' order: at most SEEDS * PER_SEED
    ids, so one small CASE."""
    if not for_you.suggestions:
        return papers.order_by("-pk")
    position = Case(
        *(
            When(pk=suggestion.paper_id, then=Value(place))
            for place, suggestion in enumerate(for_you.suggestions)
        ),
        output_field=IntegerField(),
    )
    return papers.order_by(position, "-pk")
