"""Papers related to a paper: those sharing its authors and tags (related_to), and
those also saying similar things (related_papers), best first.

The paper page finds those sharing authors and tags in the browse index
(papers.browse.index), which holds every paper's authors and tags both ways:
scoring the candidates there takes a few milliseconds, where the query of
related_to took 170 ms a page at 100,000 papers, most of a paper page's time. The
query stays for a paper the index does not hold yet (imported since it was built),
and in a process that has no index yet, rather than wait for its first build.
"""

import dataclasses
import datetime

import numpy as np
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from papers.browse.index import FacetIndex, held_index
from papers.models import Authorship, Paper, PaperQuerySet
from papers.similar_text import similar_by_text

# A shared author says far more than a shared broad tag such as "Multimodal".
AUTHOR_WEIGHT = 3
TAG_WEIGHT = 1
# A broad tag is shared by a large part of the archive; scoring all of those papers
# would cost a scan of them on every paper page. Papers sharing an author are always
# scored; of those sharing only tags, the newest this many are.
TAG_CANDIDATES = 2000


def _count_per_paper(rows) -> Subquery:
    """The number of `rows` belonging to the outer paper, as an integer subquery."""
    return Subquery(
        rows.filter(paper=OuterRef("pk"))
        .order_by()
        .values("paper")
        .annotate(count=Count("pk"))
        .values("count"),
        output_field=IntegerField(),
    )


def related_to(
    paper: Paper, *, queryset: PaperQuerySet | None = None, limit: int = 10
) -> PaperQuerySet:
    """Up to `limit` other papers sharing an author or a tag with `paper`.

    Annotates `shared_authors`, `shared_tags` and `score` (3 per shared author, 1 per
    shared tag); ordered by score, then newest digest day. One query, whose cost is
    bounded by the paper's co-authored papers plus TAG_CANDIDATES, whatever the size
    of the archive; pass `queryset` (e.g. `for_listing()`) to fetch more per paper.
    """
    if queryset is None:
        queryset = Paper.objects.all()
    author_ids = Authorship.objects.filter(paper=paper).values("author_id")
    tag_ids = Paper.tags.through.objects.filter(paper=paper).values("tag_id")
    shared_authors = Authorship.objects.filter(author_id__in=author_ids)
    shared_tags = Paper.tags.through.objects.filter(tag_id__in=tag_ids)
    return (
        queryset.exclude(pk=paper.pk)
        # Only candidates sharing something get their scores computed.
        .filter(
            Q(pk__in=shared_authors.values("paper_id"))
            | Q(pk__in=_newest_sharing_a_tag(tag_ids))
        )
        .annotate(
            shared_authors=Coalesce(_count_per_paper(shared_authors), 0),
            shared_tags=Coalesce(_count_per_paper(shared_tags), 0),
        )
        .annotate(
            score=F("shared_authors") * AUTHOR_WEIGHT + F("shared_tags") * TAG_WEIGHT
        )
        .order_by("-score", "-shared_authors", "-last_digest_date", "-pk")[:limit]
    )


def _newest_sharing_a_tag(tag_ids) -> PaperQuerySet:
    """Ids of the TAG_CANDIDATES newest papers carrying one of the tags.

    Walks the newest-first index and stops after enough hits, instead of collecting
    every paper of a broad tag.
    """
    tagged = Paper.tags.through.objects.filter(paper=OuterRef("pk"), tag_id__in=tag_ids)
    return (
        Paper.objects.filter(Exists(tagged))
        .order_by("-last_digest_date", "-id")
        .values("pk")[:TAG_CANDIDATES]
    )


# A paper using every one of the distinctive terms scores as much as two shared
# authors: the digests' tags are broad ("Large Language Models"), so papers sharing
# three of them often share little else, while shared rare words name a topic.
TEXT_WEIGHT = 6
# Below this share of the distinctive terms' weight, the words are shared by chance.
MIN_SIMILARITY = 0.2
LINK_CANDIDATES = 30


@dataclasses.dataclass(frozen=True)
class RelatedPaper:
    paper: Paper  # key, title and last_digest_date loaded
    score: float
    shared_authors: int
    shared_tags: int
    similarity: float  # 0 to 1, papers.similar_text
    shared_terms: tuple[str, ...]


def related_papers(paper: Paper, *, limit: int = 10) -> list[RelatedPaper]:
    """Up to `limit` papers related to `paper` by authors, tags and what they say.

    Score: AUTHOR_WEIGHT per shared author + TAG_WEIGHT per shared tag +
    TEXT_WEIGHT * text similarity. Candidates are the best LINK_CANDIDATES of
    related_to() and the text matches of papers.similar_text, both bounded per paper.
    """
    fields = ("key", "title", "last_digest_date")
    linked = _linked(paper, Paper.objects.only(*fields), held_index())
    by_text = {
        match.paper_id: match
        for match in similar_by_text(paper)
        if match.similarity >= MIN_SIMILARITY
    }
    text_only = [pk for pk in by_text if pk not in linked]
    shared_authors = _shared_counts(
        Authorship.objects.filter(
            paper_id__in=text_only,
            author_id__in=Authorship.objects.filter(paper=paper).values("author_id"),
        )
    )
    shared_tags = _shared_counts(
        Paper.tags.through.objects.filter(
            paper_id__in=text_only,
            tag_id__in=Paper.tags.through.objects.filter(paper=paper).values("tag_id"),
        )
    )
    papers = {**linked, **Paper.objects.only(*fields).in_bulk(text_only)}
    related = []
    for pk, other in papers.items():
        match = by_text.get(pk)
        authors = getattr(other, "shared_authors", shared_authors.get(pk, 0))
        tags = getattr(other, "shared_tags", shared_tags.get(pk, 0))
        similarity = match.similarity if match else 0.0
        related.append(
            RelatedPaper(
                paper=other,
                score=authors * AUTHOR_WEIGHT
                + tags * TAG_WEIGHT
                + similarity * TEXT_WEIGHT,
                shared_authors=authors,
                shared_tags=tags,
                similarity=similarity,
                shared_terms=match.shared_terms if match else (),
            )
        )
    related.sort(
        key=lambda item: (
            -item.score,
            -item.shared_authors,
            -(item.paper.last_digest_date or datetime.date.min).toordinal(),
            -item.paper.pk,
        )
    )
    return related[:limit]


def _linked(
    paper: Paper, queryset: PaperQuerySet, index: FacetIndex | None
) -> dict[int, Paper]:
    """The LINK_CANDIDATES papers related_to() picks, by id, best first, with their
    `shared_authors` and `shared_tags`: scored in `index` when there is one and it
    holds the paper, else by related_to's query."""
    best = None
    if index is not None:
        best = linked_in_index(paper.pk, index, limit=LINK_CANDIDATES)
    if best is None:
        return {
            other.pk: other
            for other in related_to(paper, queryset=queryset, limit=LINK_CANDIDATES)
        }
    papers = queryset.in_bulk([pk for pk, _, _ in best])
    linked = {}
    for pk, authors, tags in best:
        if (other := papers.get(pk)) is not None:  # else deleted since the build
            other.shared_authors, other.shared_tags = authors, tags
            linked[pk] = other
    return linked


def linked_in_index(
    paper_id: int, index: FacetIndex, *, limit: int
) -> list[tuple[int, int, int]] | None:
    """What related_to(paper, limit=limit) finds, computed in `index`: (id, shared
    authors, shared tags) of each paper, best first, with the same candidates
    (every paper sharing an author, the TAG_CANDIDATES newest carrying one of the
    tags), scores and order; None when `index` does not hold the paper."""
    rows, held = index.locate([paper_id])
    if not held.all():
        return None
    row = int(rows[0])
    authors = index.authors.shared_with(row)
    tags = index.tags.shared_with(row)
    newest = index.positions["newest"]  # by last digest day, then id, descending
    tagged = np.flatnonzero(tags)
    if len(tagged) > TAG_CANDIDATES:
        nearest = np.argpartition(newest[tagged], TAG_CANDIDATES - 1)
        tagged = tagged[nearest[:TAG_CANDIDATES]]
    chosen = authors > 0
    chosen[tagged] = True
    chosen[row] = False
    candidates = np.flatnonzero(chosen)
    if not len(candidates):
        return []
    shared_authors, shared_tags = authors[candidates], tags[candidates]
    score = shared_authors * AUTHOR_WEIGHT + shared_tags * TAG_WEIGHT
    # One integer per candidate in related_to's order (score, then shared authors,
    # both descending, then newest first), so the best are picked without sorting
    # them all: with a few prolific authors (bench/import_bench.py's archive), a
    # paper shared an author with a median 605,000 papers of a million.
    papers, most_authors = index.size, int(shared_authors.max())
    key = (int(score.max()) - score) * (most_authors + 1) * papers
    key += (most_authors - shared_authors) * papers + newest[candidates]
    if len(key) > limit:
        best = np.argpartition(key, limit - 1)[:limit]
        best = best[np.argsort(key[best])]
    else:
        best = np.argsort(key)
    return [
        (
            int(index.paper_ids[candidates[i]]),
            int(shared_authors[i]),
            int(shared_tags[i]),
        )
        for i in best
    ]


def _shared_counts(links) -> dict[int, int]:
    """Per paper id, how many of `links` (authorship or tag rows) it has."""
    return dict(
        links.order_by()
        .values("paper_id")
        .annotate(count=Count("pk"))
        .values_list("paper_id", "count")
    )


def serialize_related(related: list[RelatedPaper]) -> list[dict]:
    """Related papers as the JSON twin of the paper page shows them."""
    return [
        {
            "key": item.paper.key,
            "title": item.paper.title,
            "url": item.paper.get_absolute_url(),
            "score": round(item.score, 3),
            "shared_authors": item.shared_authors,
            "shared_tags": item.shared_tags,
            "text_similarity": round(item.similarity, 3),
            "shared_terms": list(item.shared_terms),
        }
        for item in related
    ]
