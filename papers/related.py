"""Papers related to a paper: those sharing its authors and tags, best first."""

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from papers.models import Authorship, Paper, PaperQuerySet

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
