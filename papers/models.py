"""Papers from the daily digests, the days they appeared on, and readers' bookmarks.

Each QuerySet sits just above its model; views, filters, facets and the admin call its
methods rather than spelling out multi-join lookups.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import secrets
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from papers.search import FtsDocumentField
from papers.value_list import ValueList

# Ids per query when a write names many rows (SQLite caps a statement's parameters).
ID_BATCH = 500


class ImportStage(models.Model):
    """A large digest file being imported in several short transactions.

    While its row exists, the papers, days and appearances the import wrote for it
    carry its id in `import_stage` and every default manager hides them, so readers
    see the file's papers all at once or not at all; the import publishes them by
    deleting this row, in its last short transaction (papers.importer.staging).
    Published rows keep the id: they are visible because no stage of that id exists
    (ids are never reused), and it tells which import created them.
    """

    source = models.CharField(max_length=500)
    started_at = models.DateTimeField(auto_now_add=True)
    # Renewed by each of the import's transactions: a stage past it belongs to an
    # import that was killed, and the next import deletes what it wrote.
    alive_until = models.DateTimeField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Import of {self.source} (in progress)"


def visible(prefix: str = "") -> Q:
    """Rows not written by an import stage that is still open: the filter every
    reader of papers, days and appearances applies. `prefix` leads to a model with
    an `import_stage` column ("appearances__").

    One uncorrelated subquery per statement, on a table that is empty unless a large
    file is being imported.
    """
    return ~Q(**{f"{prefix}import_stage__in": ImportStage.objects.values("pk")})


def count_visible(relation: str, paper: str) -> models.Count:
    """Count(`relation`), leaving out rows of papers an open stage hides; `paper`
    leads from the counted model to the papers ("authorships__paper__").

    Joining every counted row to its paper costs a popular tag's page a lookup per
    paper, so the join is made only while a stage is open (a large file is being
    imported), which is checked first.
    """
    if not ImportStage.objects.exists():
        return models.Count(relation)
    return models.Count(relation, filter=visible(paper))


# Set while a uniqueness check runs (StagedModel): it must see hidden rows too.
_hidden_rows_shown = ContextVar("hidden_rows_shown", default=False)


@contextlib.contextmanager
def hidden_rows_shown() -> Iterator[None]:
    """Default managers see the rows of open stages too, within this block."""
    token = _hidden_rows_shown.set(True)
    try:
        yield
    finally:
        _hidden_rows_shown.reset(token)


class VisibleManager(models.Manager):
    """The default manager of a model an import stage writes: it hides what open
    stages wrote (see ImportStage). Related objects and cascades use the base
    manager, which sees every row."""

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if _hidden_rows_shown.get():
            return queryset
        return queryset.filter(visible())


class StagedModel(models.Model):
    """A model an import stage writes (it has an `import_stage` column).

    Its uniqueness checks (a form's, the admin's) go through the default manager,
    which hides the rows of an open stage: without them seeing those rows, an admin
    adding a paper that a large import has written but not yet published would pass
    the form and be refused by the database (an error page instead of a form error).
    """

    class Meta:
        abstract = True

    def validate_unique(self, exclude=None) -> None:
        with hidden_rows_shown():
            super().validate_unique(exclude)

    def validate_constraints(self, exclude=None) -> None:
        with hidden_rows_shown():
            super().validate_constraints(exclude)


def import_stage_field() -> models.PositiveBigIntegerField:
    return models.PositiveBigIntegerField(null=True, blank=True, editable=False)


class DigestQuerySet(models.QuerySet):
    def delete_keeping_dates(self) -> None:
        """Delete these days; their papers' digest dates follow."""
        papers = set(
            Appearance.objects.filter(digest__in=self).values_list(
                "paper_id", flat=True
            )
        )
        self.delete()
        Paper.objects.refresh_digest_dates_of(papers)


class Digest(StagedModel):
    """One digest day: the table a publisher released for a date."""

    date = models.DateField(unique=True)
    source = models.CharField(
        max_length=500, blank=True, help_text="File the day was last imported from."
    )
    imported_at = models.DateTimeField(auto_now=True)
    # The ImportStage that wrote the day, hidden while it is open.
    import_stage = import_stage_field()

    objects = VisibleManager.from_queryset(DigestQuerySet)()

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"Papers for {self.date.isoformat()}"

    def get_absolute_url(self) -> str:
        return reverse("papers:day", kwargs={"day": self.date.isoformat()})


class Author(models.Model):
    name = models.CharField(max_length=255, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("papers:author", kwargs={"pk": self.pk})

    def renamed_by_hand(self) -> None:
        """A corrected name must not be undone by re-importing the old spelling: the
        author lists of the author's papers count as edited by hand."""
        Paper.objects.filter(authorships__author=self).mark_edited("authors")


class Tag(models.Model):
    """A value of the digest's Classification column, e.g. "Multimodal"."""

    name = models.CharField(max_length=255, unique=True)
    slug = models.SlugField(max_length=255, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("papers:tag", kwargs={"slug": self.slug})


@functools.cache
def _card_lists() -> dict[str, ValueList]:
    """for_listing()'s three lists, built once: every query resolves its own copy."""
    return {
        "listed_authors": ValueList(
            Authorship.objects.filter(paper=OuterRef("pk"))
            .order_by("position")
            .values(v=F("author__name"))
        ),
        "listed_tags": ValueList(
            Paper.tags.through.objects.filter(paper=OuterRef("pk"))
            .order_by("tag__name")
            .values(v=F("tag__name"))
        ),
        "listed_days": ValueList(
            Appearance.objects.filter(paper=OuterRef("pk"))
            .order_by("date")
            .values(v=F("date"))
        ),
    }


class PaperQuerySet(models.QuerySet):
    # These filters are the SQL definition of the browse semantics: exports use them,
    # and the browse engine (papers.browse) is tested against them as its oracle.

    def _linked(self, links: QuerySet) -> PaperQuerySet:
        """Papers with a row in `links`, a query on a table with a `paper` key."""
        return self.filter(Exists(links.filter(paper=OuterRef("pk"))))

    def tagged_any(self, *names: str) -> PaperQuerySet:
        """Papers carrying at least one of the tags (OR)."""
        links = Paper.tags.through.objects.filter(tag__name__in=names)
        return self._linked(links)

    def tagged_all(self, *names: str) -> PaperQuerySet:
        """Papers carrying every one of the tags (AND)."""
        queryset = self
        for name in names:
            queryset = queryset.tagged_any(name)
        return queryset

    def not_tagged(self, *names: str) -> PaperQuerySet:
        """Papers carrying none of the tags."""
        links = Paper.tags.through.objects.filter(tag__name__in=names)
        return self.exclude(Exists(links.filter(paper=OuterRef("pk"))))

    def by_authors(self, *names: str) -> PaperQuerySet:
        """Papers written by at least one of the authors (OR)."""
        links = Authorship.objects.filter(author__name__in=names)
        return self._linked(links)

    def in_digests_between(
        self,
        start: datetime.date | None,
        end: datetime.date | None,
    ) -> PaperQuerySet:
        """Papers with a digest day in [start, end], inclusive; bounds optional."""
        days = Appearance.objects.all()
        if start:
            days = days.filter(date__gte=start)
        if end:
            days = days.filter(date__lte=end)
        return self._linked(days)

    def with_code(self, has_code: bool = True) -> PaperQuerySet:
        return self.filter(has_code=has_code)

    def with_hf(self, has_hf: bool = True) -> PaperQuerySet:
        return self.filter(has_hf=has_hf)

    def search(self, query: str) -> PaperQuerySet:
        """Full-text search over title, summary, authors and arXiv id.

        Implemented per database in papers.search; annotates `rank` (higher is better).
        """
        from papers.search import search_papers

        return search_papers(self, query)

    def for_listing(self) -> PaperQuerySet:
        """What a card shows, in this one query whatever the number of papers,
        newest first: each paper's author names, tag names and digest days as lists
        (`Paper.author_names`, `tag_names`, `digest_dates`)."""
        return self.annotate(**_card_lists()).order_by("-last_digest_date", "-pk")

    def for_detail(self) -> PaperQuerySet:
        """A paper page: its authors (linked) and appearances (with positions)."""
        return self.prefetch_related(
            models.Prefetch(
                "authorships",
                queryset=Authorship.objects.in_order(),
            ),
            "tags",
            models.Prefetch(
                "appearances", queryset=Appearance.objects.order_by("date")
            ),
        )

    def with_is_bookmarked(self, user) -> PaperQuerySet:
        if not user.is_authenticated:
            return self.annotate(is_bookmarked=models.Value(False))
        return self.annotate(
            is_bookmarked=Exists(
                Bookmark.objects.filter(user=user, paper=OuterRef("pk"))
            )
        )

    def bookmarked_by(self, user) -> PaperQuerySet:
        return self.filter(
            Exists(Bookmark.objects.filter(user=user, paper=OuterRef("pk")))
        )

    def not_bookmarked_by(self, user) -> PaperQuerySet:
        return self.exclude(
            Exists(Bookmark.objects.filter(user=user, paper=OuterRef("pk")))
        )

    def with_bookmark_status(self, user, *statuses: str) -> PaperQuerySet:
        """Papers the user bookmarked with one of the statuses (OR)."""
        return self.filter(
            Exists(
                Bookmark.objects.filter(
                    user=user, paper=OuterRef("pk"), status__in=statuses
                )
            )
        )

    def not_read_by(self, user) -> PaperQuerySet:
        """Papers without a bookmark of the user's marked "read"."""
        return self.exclude(
            Exists(
                Bookmark.objects.filter(
                    user=user, paper=OuterRef("pk"), status=Bookmark.Status.READ
                )
            )
        )

    def not_dismissed_by(self, user) -> PaperQuerySet:
        return self.exclude(
            Exists(Dismissal.objects.filter(user=user, paper=OuterRef("pk")))
        )

    def with_is_dismissed(self, user) -> PaperQuerySet:
        if not user.is_authenticated:
            return self.annotate(is_dismissed=models.Value(False))
        return self.annotate(
            is_dismissed=Exists(
                Dismissal.objects.filter(user=user, paper=OuterRef("pk"))
            )
        )

    def in_reading_list(self, reading_list: ReadingList) -> PaperQuerySet:
        """Papers whose bookmark is in the list (the list's owner's bookmarks)."""
        return self.filter(
            Exists(
                Bookmark.objects.filter(
                    user_id=reading_list.user_id,
                    paper=OuterRef("pk"),
                    lists=reading_list,
                )
            )
        )

    def with_bookmarked_at(self, user) -> PaperQuerySet:
        """Annotate when the user bookmarked each paper (None if they did not)."""
        return self.annotate(
            bookmarked_at=models.Subquery(
                Bookmark.objects.filter(user=user, paper=OuterRef("pk")).values(
                    "created_at"
                )[:1]
            )
        )

    def with_bookmark_of(self, user) -> PaperQuerySet:
        """Prefetch the user's own bookmark (with its lists) as `user_bookmarks`."""
        return self.prefetch_related(
            models.Prefetch(
                "bookmarks",
                queryset=Bookmark.objects.filter(user=user).prefetch_related("lists"),
                to_attr="user_bookmarks",
            )
        )

    def created_since(self, moment: datetime.datetime) -> PaperQuerySet:
        return self.filter(created_at__gt=moment)

    def with_is_new(self, since: datetime.datetime | None) -> PaperQuerySet:
        """Annotate `is_new`: added to the site after `since` (never, if None)."""
        if since is None:
            return self.annotate(is_new=models.Value(False))
        return self.annotate(
            is_new=models.ExpressionWrapper(
                Q(created_at__gt=since), output_field=models.BooleanField()
            )
        )

    # The invariants hand edits must keep (the importer keeps the same ones in
    # papers.importer.plan): the denormalised digest dates follow the appearances,
    # and fields changed by hand are marked so the next import leaves them alone.

    def refresh_digest_dates(self) -> int:
        """Recompute the denormalised first/last digest dates from the appearances."""
        first = Appearance.objects.filter(paper=OuterRef("pk")).order_by("date")
        last = Appearance.objects.filter(paper=OuterRef("pk")).order_by("-date")
        updated = self.update(
            first_digest_date=models.Subquery(first.values("date")[:1]),
            last_digest_date=models.Subquery(last.values("date")[:1]),
        )
        from papers.browse.version import bump_data_version

        bump_data_version(using=self.db)  # the sort orders changed
        return updated

    def refresh_digest_dates_of(self, paper_ids: Iterable[int]) -> None:
        """`refresh_digest_dates` for many papers, a few hundred ids per query (SQLite
        caps the parameters of one statement)."""
        paper_ids = list(paper_ids)
        for start in range(0, len(paper_ids), ID_BATCH):
            self.filter(
                pk__in=paper_ids[start : start + ID_BATCH]
            ).refresh_digest_dates()

    def mark_edited(self, *fields: str) -> int:
        """Add `fields` to these papers' `edited_fields`, so imports leave them alone
        (papers.importer.plan) unless they overwrite; returns the papers changed."""
        papers = []
        for paper in (
            self.model.objects.using(self.db)
            .filter(pk__in=self.values("pk"))
            .only("pk", "edited_fields")
        ):
            new = [name for name in fields if name not in paper.edited_fields]
            if new:
                paper.edited_fields = [*paper.edited_fields, *new]
                papers.append(paper)
        return self.model.objects.using(self.db).bulk_update(
            papers, ["edited_fields"], batch_size=ID_BATCH
        )

    def forget_edits(self) -> int:
        """Let imports update these papers again; returns how many there are."""
        return self.update(edited_fields=[])


class Paper(StagedModel):
    # `key` is the paper's identity: the arXiv id where the digest links to arXiv or
    # Hugging Face papers, otherwise a stable hash of its normalised URL or title.
    key = models.CharField(max_length=100, unique=True)
    arxiv_id = models.CharField(max_length=32, blank=True)
    title = models.TextField()
    summary = models.TextField(blank=True)
    arxiv_url = models.URLField(max_length=500, blank=True)
    # Exactly the digest's GitHub URLs and HuggingFace URLs columns, in order.
    github_urls = models.JSONField(default=list, blank=True)
    huggingface_urls = models.JSONField(default=list, blank=True)
    # Derived by the database from the two columns above, so admin edits keep them true.
    has_code = models.GeneratedField(
        expression=~Q(github_urls=[]),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    has_hf = models.GeneratedField(
        expression=~Q(huggingface_urls=[]),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    authors = models.ManyToManyField(
        Author, through="Authorship", related_name="papers"
    )
    tags = models.ManyToManyField(Tag, related_name="papers", blank=True)
    # Denormalised from the appearances so listings sort and page without aggregation.
    first_digest_date = models.DateField(null=True, blank=True)
    last_digest_date = models.DateField(null=True, blank=True)
    # Fields an admin changed by hand; a re-import leaves them alone unless --overwrite.
    edited_fields = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The ImportStage that created the paper, hidden while it is open.
    import_stage = import_stage_field()

    objects = VisibleManager.from_queryset(PaperQuerySet)()

    class Meta:
        ordering = ["-last_digest_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["arxiv_id"],
                condition=~Q(arxiv_id=""),
                name="paper_unique_arxiv_id",
            ),
        ]
        indexes = [
            models.Index(fields=["-last_digest_date", "-id"], name="paper_newest"),
            models.Index(fields=["first_digest_date", "id"], name="paper_oldest"),
            # The title sort is case-insensitive (papers.filters.ORDERINGS).
            models.Index(Lower("title"), F("id"), name="paper_title_order"),
            # With the newest-first order, so a filtered page still walks an index
            # in order instead of sorting every match (and counts stay index-only).
            models.Index(
                fields=["has_code", "-last_digest_date", "-id"],
                name="paper_code_newest",
            ),
            models.Index(
                fields=["has_hf", "-last_digest_date", "-id"], name="paper_hf_newest"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("papers:detail", kwargs={"key": self.key})

    # A card's lists: from `for_listing()`'s annotations when the paper came from
    # it, else from the related rows (prefetched, as `for_detail()` does, or not).

    @property
    def author_names(self) -> list[str]:
        listed = self.__dict__.get("listed_authors")
        if listed is not None:
            return listed
        return [authorship.author.name for authorship in self.authorships.all()]

    @property
    def tag_names(self) -> list[str]:
        listed = self.__dict__.get("listed_tags")
        if listed is not None:
            return listed
        return [tag.name for tag in self.tags.all()]

    @property
    def digest_dates(self) -> list[datetime.date]:
        listed = self.__dict__.get("listed_days")
        if listed is not None:
            # SQLite's JSON holds the dates as ISO text.
            return [
                day
                if isinstance(day, datetime.date)
                else datetime.date.fromisoformat(day)
                for day in listed
            ]
        return [appearance.date for appearance in self.appearances.all()]

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}" if self.arxiv_id else ""

    def record_hand_edits(self, fields: Iterable[str]) -> None:
        """Mark the importable fields among `fields` as edited by hand (see
        `PaperQuerySet.mark_edited`); other names are ignored."""
        from papers.importer.plan import EDITABLE_FIELDS

        editable = [name for name in fields if name in EDITABLE_FIELDS]
        new = [
            name for name in dict.fromkeys(editable) if name not in self.edited_fields
        ]
        if new:
            self.edited_fields = [*self.edited_fields, *new]
            Paper.objects.filter(pk=self.pk).update(edited_fields=self.edited_fields)


class PaperSearchDocument(models.Model):
    """A paper's row in the SQLite FTS5 table that migration 0002 creates and its
    triggers maintain; read-only, used by papers.search to join on rowid = paper id.
    """

    paper = models.OneToOneField(
        Paper,
        primary_key=True,
        db_column="rowid",
        on_delete=models.DO_NOTHING,
        related_name="search_document",
    )
    document = FtsDocumentField(db_column="papers_paper_fts")

    class Meta:
        managed = False
        db_table = "papers_paper_fts"
        ordering = ["paper"]

    def __str__(self) -> str:
        return f"Search document of paper {self.paper_id}"


class AuthorshipQuerySet(models.QuerySet):
    def in_order(self) -> AuthorshipQuerySet:
        """In the paper's author order, each with its author (what a page lists)."""
        return self.select_related("author").order_by("position")

    def delete_by_hand(self) -> None:
        """Delete these authorships; their papers' author lists count as edited."""
        papers = Paper.objects.filter(
            pk__in=list(self.values_list("paper_id", flat=True))
        )
        self.delete()
        papers.mark_edited("authors")


class Authorship(models.Model):
    """An author on a paper, at their place in the digest's author list."""

    # No index of their own: authorship_unique (paper, author) and authorship_author
    # (author, paper) lead with each key, and every extra index costs each import.
    paper = models.ForeignKey(
        Paper, on_delete=models.CASCADE, related_name="authorships", db_index=False
    )
    author = models.ForeignKey(
        Author, on_delete=models.CASCADE, related_name="authorships", db_index=False
    )
    position = models.PositiveSmallIntegerField()

    objects = AuthorshipQuerySet.as_manager()

    class Meta:
        ordering = ["paper", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "author"], name="authorship_unique"
            ),
        ]
        indexes = [models.Index(fields=["author", "paper"], name="authorship_author")]

    def __str__(self) -> str:
        return f"{self.author} on {self.paper}"


class AppearanceQuerySet(models.QuerySet):
    def save_by_hand(
        self, saved: Iterable[Appearance], deleted: Iterable[Appearance] = ()
    ) -> None:
        """Save and delete appearances edited by hand; each copies its digest's date
        (so date filters need no join) and their papers' digest dates follow."""
        papers = set()
        for appearance in deleted:
            papers.add(appearance.paper_id)
            appearance.delete()
        for appearance in saved:
            appearance.date = appearance.digest.date
            appearance.save(using=self.db)
            papers.add(appearance.paper_id)
        Paper.objects.using(self.db).refresh_digest_dates_of(papers)

    def delete_keeping_dates(self) -> None:
        """Delete these appearances; their papers' digest dates follow."""
        papers = set(self.values_list("paper_id", flat=True))
        self.delete()
        Paper.objects.using(self.db).refresh_digest_dates_of(papers)


class Appearance(StagedModel):
    """A paper's row in one digest day, at its position in that day's table."""

    # No index of their own: appearance_paper (paper, date) and appearance_unique
    # (digest, paper) lead with each key.
    paper = models.ForeignKey(
        Paper, on_delete=models.CASCADE, related_name="appearances", db_index=False
    )
    digest = models.ForeignKey(
        Digest, on_delete=models.CASCADE, related_name="appearances", db_index=False
    )
    # Copied from the digest so date filters need no join.
    date = models.DateField()
    position = models.PositiveIntegerField()
    # The ImportStage that wrote it (with its paper), so day and month counts can
    # leave it out without joining the papers.
    import_stage = import_stage_field()

    objects = VisibleManager.from_queryset(AppearanceQuerySet)()

    class Meta:
        ordering = ["date", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["digest", "paper"], name="appearance_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["date", "paper"], name="appearance_date"),
            models.Index(fields=["paper", "date"], name="appearance_paper"),
        ]

    def __str__(self) -> str:
        return f"{self.paper} on {self.date.isoformat()}"


class BookmarkQuerySet(models.QuerySet):
    def toggle(self, *, user, paper: Paper) -> bool:
        """Bookmark the paper, or remove the bookmark; returns whether it is now saved.

        get_or_create relies on the unique constraint, so a double click or two tabs
        never make two bookmarks.
        """
        bookmark, created = self.get_or_create(user=user, paper=paper)
        if not created:
            bookmark.delete()
        return created

    def add(self, *, user, paper: Paper) -> bool:
        """Bookmark the paper if it is not yet; returns whether a bookmark was made."""
        _, created = self.get_or_create(user=user, paper=paper)
        return created

    def remove(self, *, user, paper: Paper) -> bool:
        """Remove the user's bookmark on the paper; returns whether there was one."""
        deleted, _ = self.filter(user=user, paper=paper).delete()
        return bool(deleted)

    def for_export(self) -> BookmarkQuerySet:
        """What an export writes, fetched in a fixed number of queries."""
        return self.select_related("paper").prefetch_related(
            models.Prefetch(
                "paper__authorships",
                queryset=Authorship.objects.in_order(),
            ),
            "paper__tags",
            models.Prefetch(
                "paper__appearances", queryset=Appearance.objects.order_by("date")
            ),
            "lists",
        )


class Bookmark(models.Model):
    class Status(models.TextChoices):
        TO_READ = "to_read", "To read"
        READ = "read", "Read"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="bookmarks")
    note = models.TextField(blank=True, max_length=2000)
    status = models.CharField(max_length=10, choices=Status, default=Status.TO_READ)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BookmarkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="bookmark_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.paper}"


class ReadingListQuerySet(models.QuerySet):
    def with_counts(self) -> ReadingListQuerySet:
        return self.annotate(bookmark_count=models.Count("bookmarks"))


class ReadingList(models.Model):
    """A reader's named list ("for the reading group") of some of their bookmarks."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reading_lists"
    )
    name = models.CharField(max_length=100)
    bookmarks = models.ManyToManyField(Bookmark, related_name="lists", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReadingListQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"], name="reading_list_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DismissalQuerySet(models.QuerySet):
    def toggle(self, *, user, paper: Paper) -> bool:
        """Dismiss the paper, or undo it; returns whether it is now dismissed."""
        dismissal, created = self.get_or_create(user=user, paper=paper)
        if not created:
            dismissal.delete()
        return created

    def add(self, *, user, paper: Paper) -> bool:
        _, created = self.get_or_create(user=user, paper=paper)
        return created

    def remove(self, *, user, paper: Paper) -> bool:
        deleted, _ = self.filter(user=user, paper=paper).delete()
        return bool(deleted)


class Dismissal(models.Model):
    """A reader marked a paper "not interested"."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dismissals"
    )
    paper = models.ForeignKey(
        Paper, on_delete=models.CASCADE, related_name="dismissals"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DismissalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="dismissal_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} dismissed {self.paper}"


class ReaderProfileQuerySet(models.QuerySet):
    # A request this long after the last one starts a new visit...
    VISIT_GAP = datetime.timedelta(minutes=30)
    # ...and within a visit last_seen_at is refreshed at most this often.
    TOUCH_INTERVAL = datetime.timedelta(minutes=5)

    def record_visit(self, user, *, now: datetime.datetime) -> ReaderProfile:
        """Note that the user is looking now; returns their profile.

        A request more than VISIT_GAP after last_seen_at starts a new visit: the old
        last_seen_at becomes previous_visit_at, the moment "new" papers are counted
        from. One SELECT per call, and an UPDATE at most every TOUCH_INTERVAL.
        """
        profile, created = self.get_or_create(user=user, defaults={"last_seen_at": now})
        last = profile.last_seen_at
        if created or (last is not None and now - last < self.TOUCH_INTERVAL):
            return profile
        if last is not None and now - last > self.VISIT_GAP:
            profile.previous_visit_at = last
        profile.last_seen_at = now
        self.filter(pk=profile.pk).update(
            last_seen_at=profile.last_seen_at,
            previous_visit_at=profile.previous_visit_at,
        )
        return profile

    def set_list_mode(self, user, mode: str) -> None:
        """Remember how the reader wants result lists laid out, on every browser.

        Only the one column is written, so a concurrent visit update keeps its own.
        """
        profile, _ = self.get_or_create(user=user)
        self.filter(pk=profile.pk).update(list_mode=mode)


class ReaderProfile(models.Model):
    """When a reader last looked, for "new since your last visit", and how they like
    result lists laid out."""

    class ListMode(models.TextChoices):
        CARDS = "cards", "Cards"
        COMPACT = "compact", "Compact"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reader_profile",
    )
    last_seen_at = models.DateTimeField(null=True, blank=True)
    previous_visit_at = models.DateTimeField(null=True, blank=True)
    # Empty until the reader picks one: then the browser's cookie decides.
    list_mode = models.CharField(
        max_length=10, choices=ListMode.choices, blank=True, default=""
    )

    objects = ReaderProfileQuerySet.as_manager()

    class Meta:
        ordering = ["user"]

    def __str__(self) -> str:
        return f"Profile of {self.user}"


def new_feed_token() -> str:
    """A secret for a private feed URL: 32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


class SavedSearchQuerySet(models.QuerySet):
    def mark_opened(self, saved: SavedSearch, *, now: datetime.datetime) -> None:
        """The reader opened the search: papers added before `now` are no longer new.

        Only the one column is written, so a rename in another tab keeps its name.
        """
        saved.last_opened_at = now
        self.filter(pk=saved.pk).update(last_opened_at=now)

    def renew_feed_token(self, saved: SavedSearch) -> str:
        """Give the search a new feed secret; the old feed URLs stop working."""
        saved.feed_token = new_feed_token()
        self.filter(pk=saved.pk).update(feed_token=saved.feed_token)
        return saved.feed_token


class SavedSearch(models.Model):
    """A reader's named list state (the list page's canonical query string), with when
    they last opened it ("N new") and the secret of its private feeds."""

    # A reader's header lists them: beyond this many they stop being a menu.
    MAX_PER_USER = 100

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_searches",
    )
    name = models.CharField(max_length=100)
    query_string = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Papers added to the site after this moment are "new" to this search.
    last_opened_at = models.DateTimeField()
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token)

    objects = SavedSearchQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"], name="saved_search_unique_name"
            ),
        ]
        verbose_name_plural = "saved searches"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        """The list page in the saved state (a plain link: opening it marks nothing)."""
        path = reverse("papers:list")
        return f"{path}?{self.query_string}" if self.query_string else path


class DataVersion(models.Model):
    """One row whose token changes whenever the browsable data does (papers, their
    tags, authors and digest days), so every worker of every server knows when its
    in-memory browse index (papers.browse.index) is out of date.

    A random token rather than a counter: a rolled-back change restores the old
    token, and a counter could then repeat a number that already named other data.
    """

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(auto_now=True)
    # While an import runs, until when its lease holds (papers.browse.lease): workers
    # keep serving the browse index they have instead of rebuilding after each batch.
    importing_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Data version {self.token}"


class ImportJobQuerySet(models.QuerySet):
    def create_for_upload(
        self,
        *,
        user,
        uploads: Iterable[tuple[str, bytes]],
        dry_run: bool = False,
        overwrite: bool = False,
    ) -> ImportJob:
        """A queued job holding the uploaded files' bytes until it has run."""
        uploads = list(uploads)
        with transaction.atomic(using=self.db):  # never a job without its files
            job = self.create(
                created_by=user,
                file_names=[name for name, _ in uploads],
                files_total=len(uploads),
                dry_run=dry_run,
                overwrite=overwrite,
            )
            ImportJobFile.objects.using(self.db).bulk_create(
                ImportJobFile(job=job, position=position, name=name, data=data)
                for position, (name, data) in enumerate(uploads)
            )
        return job


class ImportJob(models.Model):
    """An admin upload imported in the background, with its progress and result.

    The row is the job's shared state: the worker thread that runs it writes the
    progress, and any web worker's job page reads it.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="import_jobs",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    file_names = models.JSONField(default=list)
    dry_run = models.BooleanField(default=False)
    overwrite = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    files_done = models.PositiveIntegerField(default=0)
    files_total = models.PositiveIntegerField(default=0)
    papers_done = models.PositiveIntegerField(default=0)
    papers_per_second = models.FloatField(null=True, blank=True)
    summary = models.TextField(blank=True)
    # Per file: name, days, created, updated, unchanged, warnings (messages), error.
    file_results = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Import of {', '.join(self.file_names) or 'no files'}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def stalled(self, after: datetime.timedelta) -> bool:
        """Unfinished and unchanged for `after`: the process running it has gone
        (the tasks backend keeps jobs in memory; see papers.tasks_backend)."""
        return not self.finished and self.updated_at < timezone.now() - after

    @property
    def percent_done(self) -> int:
        return 100 * self.files_done // self.files_total if self.files_total else 0

    @property
    def warning_count(self) -> int:
        return sum(len(result.get("warnings", [])) for result in self.file_results)


class ImportJobFile(models.Model):
    """An uploaded file waiting for its job; deleted once the job has run."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=255)
    data = models.BinaryField()

    class Meta:
        ordering = ["job", "position"]

    def __str__(self) -> str:
        return self.name


class ImportEpoch(models.Model):
    """One row: the import history's current epoch and the data version it is valid
    for (papers.importer.history).

    While the data version still equals `token`, only imports that never remove
    anything have written since the files of epoch `number` were imported, so
    importing any of those files again would change nothing.
    """

    number = models.PositiveIntegerField(default=0)
    token = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Import epoch {self.number}"


class ImportedFile(models.Model):
    """A digest file as last imported: its bytes' hash and what it held, so an
    import of the same bytes can be skipped while its epoch lasts."""

    name = models.CharField(max_length=500, unique=True)
    sha256 = models.CharField(max_length=64)
    epoch = models.PositiveIntegerField()
    # [[ISO date, [paper key, ...]], ...] per day of the file, in file order.
    days = models.JSONField(default=list)
    # [[line, kind, text], ...]: the data-quality findings of its parse.
    warnings = models.JSONField(default=list)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
