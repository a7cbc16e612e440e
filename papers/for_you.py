""" "For you": papers ranked by how much they say what a reader's bookmarks say, and
not what the papers they dismissed ("not interested") say.

Each of the reader's SEEDS newest bookmarks and DISMISSED_SEEDS newest dismissals asks
papers.similar_text for its nearest papers (bounded per paper, see there); a paper's
score is the sum of its similarities to the bookmarks minus DISMISSED_WEIGHT times its
similarities to the dismissed papers. So a page costs at most 2 * (SEEDS +
DISMISSED_SEEDS) small queries, whatever the size of the archive. Each suggestion
names the bookmark it is most like, to say why it is there.
"""

from __future__ import annotations

import dataclasses

from papers.models import Bookmark, Dismissal, Paper, PaperQuerySet
from papers.similar_text import similar_by_text

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


def suggest(user, *, within: PaperQuerySet | None = None, limit: int = 20) -> ForYou:
    """The papers most like `user`'s bookmarks, best first, among `within` (a list
    state's papers; every paper by default), never one already bookmarked or
    dismissed."""
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
    scores: dict[int, float] = {}
    best: dict[int, tuple[float, Paper, tuple[str, ...]]] = {}
    for seed in seeds:
        for match in similar_by_text(seed, limit=PER_SEED):
            scores[match.paper_id] = scores.get(match.paper_id, 0.0) + match.similarity
            if match.similarity > best.get(match.paper_id, (0.0,))[0]:
                best[match.paper_id] = (match.similarity, seed, match.shared_terms)
    for paper in dismissed:
        for match in similar_by_text(paper, limit=PER_SEED):
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
    if within is not None and kept:
        allowed = set(within.filter(pk__in=kept).values_list("pk", flat=True))
        kept = {pk: score for pk, score in kept.items() if pk in allowed}
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


def suggested_papers(for_you: ForYou, papers: PaperQuerySet) -> list[Paper]:
    """The suggested papers from `papers` (e.g. for_listing()), in the suggestions'
    order, each with `suggestion` attached."""
    by_pk = papers.in_bulk([s.paper_id for s in for_you.suggestions])
    result = []
    for suggestion in for_you.suggestions:
        paper = by_pk.get(suggestion.paper_id)
        if paper is not None:
            paper.suggestion = suggestion
            result.append(paper)
    return result
