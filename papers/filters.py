"""The list page's query string, read by django-filter: parameters -> QuerySet calls.

Semantics (issue 3): selected tags are OR'ed unless `tag_mode=all`; `tag_not` drops
papers carrying any of its tags; selected authors are OR'ed; different parameters are
AND'ed; `date_from`/`date_to` keep papers with at least one digest day inside the
inclusive range; `has_code`/`has_hf` test the digest's GitHub and HuggingFace columns.
An invalid value is a form error on its field: views show it (or answer 400) and never
run a different query in its place.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from typing import Any

import django_filters
from django import forms
from django.db.models.functions import Lower

from papers.models import Bookmark, Paper, PaperQuerySet, ReadingList
from papers.search import MAX_QUERY_LENGTH

# Enough for any real selection, few enough to keep the SQL small.
MAX_VALUES = 50
MAX_VALUE_LENGTH = 255
MAX_PAGE = 100_000
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

TAG_MODES = [("any", "Any of the selected tags"), ("all", "All of the selected tags")]
YES_NO = [("1", "Yes"), ("0", "No")]
SORTS = [
    ("newest", "Newest"),
    ("oldest", "Oldest"),
    ("title", "Title"),
    ("relevance", "Relevance"),
]
DATE_FORMAT = "%Y-%m-%d"
# A logged-in reader's own marks, which `hide` drops from the results.
HIDE_CHOICES = [
    ("bookmarked", "Bookmarked"),
    ("read", "Read"),
    ("dismissed", "Not interested"),
]
NEW_CHOICES = [("1", "New since your last visit")]

# Applied after filtering; "relevance" falls back to newest without a search.
ORDERINGS = {
    "newest": ("-last_digest_date", "-pk"),
    "oldest": ("first_digest_date", "pk"),
    "title": (Lower("title"), "pk"),
    "relevance": ("-rank", "-last_digest_date", "-pk"),
}


def _choice_errors(choices: list[tuple[str, str]]) -> dict[str, str]:
    names = ", ".join(value for value, _ in choices)
    return {"invalid_choice": f"“%(value)s” is not allowed: use one of {names}."}


class MultipleValueField(forms.Field):
    """A repeatable parameter (`?tag=a&tag=b`) of free text values, deduplicated."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "too_many": "Choose at most %(limit)d values.",
        "too_long": "A value may have at most %(limit)d characters.",
        "null_characters": "Null characters are not allowed.",
    }

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        cleaned = (str(item).strip() for item in value)
        return list(dict.fromkeys(item for item in cleaned if item))

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        if len(value) > MAX_VALUES:
            raise forms.ValidationError(
                self.error_messages["too_many"],
                code="too_many",
                params={"limit": MAX_VALUES},
            )
        # PostgreSQL refuses NUL in text: such a value is an error, not a 500.
        if any("\x00" in item for item in value):
            raise forms.ValidationError(
                self.error_messages["null_characters"], code="null_characters"
            )
        if any(len(item) > MAX_VALUE_LENGTH for item in value):
            raise forms.ValidationError(
                self.error_messages["too_long"],
                code="too_long",
                params={"limit": MAX_VALUE_LENGTH},
            )


class MultipleValueFilter(django_filters.Filter):
    field_class = MultipleValueField


class IntegerFilter(django_filters.Filter):
    field_class = forms.IntegerField


class PaperFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned


class PaperFilter(django_filters.FilterSet):
    counting = False  # set by filter_queryset while it applies the filters
    q = django_filters.CharFilter(
        field_name="title",
        lookup_expr="search",
        method="filter_q",
        label="Search",
        max_length=MAX_QUERY_LENGTH,
        strip=True,
    )
    tag = MultipleValueFilter(
        field_name="tags__name", lookup_expr="in", method="filter_tag", label="Tags"
    )
    tag_mode = django_filters.ChoiceFilter(
        field_name="tags__name",
        lookup_expr="in",
        method="filter_nothing",  # read by filter_tag
        choices=TAG_MODES,
        empty_label=None,
        label="Match",
        error_messages=_choice_errors(TAG_MODES),
    )
    tag_not = MultipleValueFilter(
        field_name="tags__name",
        lookup_expr="in",
        method="filter_tag_not",
        label="Without tags",
    )
    author = MultipleValueFilter(
        field_name="authors__name",
        lookup_expr="in",
        method="filter_author",
        label="Authors",
    )
    date_from = django_filters.DateFilter(
        field_name="appearances__date",
        lookup_expr="gte",
        method="filter_date_from",
        label="From",
        input_formats=[DATE_FORMAT],
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    date_to = django_filters.DateFilter(
        field_name="appearances__date",
        lookup_expr="lte",
        method="filter_date_to",
        label="To",
        input_formats=[DATE_FORMAT],
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    has_code = django_filters.ChoiceFilter(
        field_name="has_code",
        lookup_expr="exact",
        method="filter_has_code",
        choices=YES_NO,
        empty_label=None,
        label="Code on GitHub",
        error_messages=_choice_errors(YES_NO),
    )
    has_hf = django_filters.ChoiceFilter(
        field_name="has_hf",
        lookup_expr="exact",
        method="filter_has_hf",
        choices=YES_NO,
        empty_label=None,
        label="Hugging Face links",
        error_messages=_choice_errors(YES_NO),
    )
    # A logged-in reader's own marks; anonymous requests ignore them.
    bookmarked = django_filters.ChoiceFilter(
        field_name="bookmarks",
        lookup_expr="exact",
        method="filter_bookmarked",
        choices=YES_NO,
        empty_label=None,
        label="Bookmarked",
        error_messages=_choice_errors(YES_NO),
    )
    hide = django_filters.MultipleChoiceFilter(
        field_name="bookmarks",
        lookup_expr="exact",
        method="filter_hide",
        choices=HIDE_CHOICES,
        label="Hide papers I have",
        error_messages=_choice_errors(HIDE_CHOICES),
    )
    new = django_filters.ChoiceFilter(
        field_name="created_at",
        lookup_expr="gt",
        method="filter_new",
        choices=NEW_CHOICES,
        empty_label=None,
        label="New since your last visit",
        error_messages=_choice_errors(NEW_CHOICES),
    )
    sort = django_filters.ChoiceFilter(
        field_name="last_digest_date",
        lookup_expr="exact",
        method="filter_nothing",  # applied last, by sort_queryset
        choices=SORTS,
        empty_label=None,
        label="Sort by",
        error_messages=_choice_errors(SORTS),
    )
    page = IntegerFilter(
        field_name="pk",
        lookup_expr="exact",
        method="filter_nothing",  # the view paginates
        label="Page",
        min_value=1,
        max_value=MAX_PAGE,
        error_messages={
            "invalid": "Enter a page number (1, 2, 3, …).",
            "min_value": "Enter a page number (1, 2, 3, …).",
            "max_value": "Enter a page number (1, 2, 3, …).",
        },
    )

    class Meta:
        model = Paper
        fields: list[str] = []  # every parameter is declared above
        form = PaperFilterForm

    # --- Filter methods: each calls a PaperQuerySet method. ---

    def filter_q(self, queryset: PaperQuerySet, name: str, value: str) -> PaperQuerySet:
        return queryset.search(value)

    def filter_tag(
        self, queryset: PaperQuerySet, name: str, value: list[str]
    ) -> PaperQuerySet:
        if self.tag_match == "all":
            return queryset.tagged_all(*value, counting=self.counting)
        return queryset.tagged_any(*value, counting=self.counting)

    def filter_tag_not(
        self, queryset: PaperQuerySet, name: str, value: list[str]
    ) -> PaperQuerySet:
        return queryset.not_tagged(*value, counting=self.counting)

    def filter_author(
        self, queryset: PaperQuerySet, name: str, value: list[str]
    ) -> PaperQuerySet:
        return queryset.by_authors(*value, counting=self.counting)

    # One digest day must satisfy both bounds, so the range is a single condition:
    # date_from applies it with both bounds, date_to only when there is no date_from.

    def filter_date_from(
        self, queryset: PaperQuerySet, name: str, value: datetime.date
    ) -> PaperQuerySet:
        return queryset.in_digests_between(
            value, self.form.cleaned_data.get("date_to"), counting=self.counting
        )

    def filter_date_to(
        self, queryset: PaperQuerySet, name: str, value: datetime.date
    ) -> PaperQuerySet:
        if self.form.cleaned_data.get("date_from"):
            return queryset
        return queryset.in_digests_between(None, value, counting=self.counting)

    def filter_has_code(
        self, queryset: PaperQuerySet, name: str, value: str
    ) -> PaperQuerySet:
        return queryset.with_code(value == "1")

    def filter_has_hf(
        self, queryset: PaperQuerySet, name: str, value: str
    ) -> PaperQuerySet:
        return queryset.with_hf(value == "1")

    def filter_bookmarked(
        self, queryset: PaperQuerySet, name: str, value: str
    ) -> PaperQuerySet:
        if (user := self.reader) is None:
            return queryset
        if value == "1":
            return queryset.bookmarked_by(user)
        return queryset.not_bookmarked_by(user)

    def filter_hide(
        self, queryset: PaperQuerySet, name: str, value: list[str]
    ) -> PaperQuerySet:
        if (user := self.reader) is None:
            return queryset
        if "bookmarked" in value:
            queryset = queryset.not_bookmarked_by(user)
        if "read" in value:
            queryset = queryset.not_read_by(user)
        if "dismissed" in value:
            queryset = queryset.not_dismissed_by(user)
        return queryset

    def filter_new(
        self, queryset: PaperQuerySet, name: str, value: str
    ) -> PaperQuerySet:
        if self.reader is None:
            return queryset
        profile = getattr(self.request, "reader_profile", None)
        since = profile.previous_visit_at if profile else None
        # A first visit has nothing new.
        return queryset.created_since(since) if since else queryset.none()

    def filter_nothing(
        self, queryset: PaperQuerySet, name: str, value: Any
    ) -> PaperQuerySet:
        return queryset

    # --- Whole-query behaviour ---

    @property
    def tag_match(self) -> str:
        """ "any" or "all": how the selected tags combine."""
        return self.form.cleaned_data.get("tag_mode") or "any"

    def qs_for_counting(self, *skip: str) -> PaperQuerySet:
        """The papers of `qs` (but for the filters in `skip`), unsorted, in the SQL
        form that counts fast: the paginator's total and each facet's base."""
        return self.filter_queryset(
            self.queryset.order_by(), skip=skip, sort=False, counting=True
        )

    @property
    def counts_are_shared(self) -> bool:
        """Whether the results are the same for every visitor (no reader's own marks
        apply), so their counts may live in papers.count_cache."""
        data = self.form.cleaned_data
        marks = ("bookmarked", "hide", "new")
        return self.reader is None or not any(data.get(name) for name in marks)

    @property
    def reader(self):
        """The logged-in user the reader parameters apply to, or None."""
        user = getattr(self.request, "user", None)
        return user if user is not None and user.is_authenticated else None

    @property
    def effective_sort(self) -> str:
        """The sort in force: the one asked for, else relevance when searching."""
        data = self.form.cleaned_data
        return data.get("sort") or ("relevance" if data.get("q") else "newest")

    def sort_queryset(self, queryset: PaperQuerySet) -> PaperQuerySet:
        sort = self.effective_sort
        if sort == "relevance" and not self.form.cleaned_data.get("q"):
            sort = "newest"
        return queryset.order_by(*ORDERINGS[sort])

    def filter_queryset(
        self,
        queryset: PaperQuerySet,
        *,
        skip: Collection[str] = (),
        sort: bool = True,
        counting: bool = False,
    ) -> PaperQuerySet:
        """Apply every parameter but those in `skip`; facets skip their own.

        `counting` asks for the SQL form that counts fast rather than the one that
        pages fast (see PaperQuerySet); the papers are the same.
        """
        self.counting = counting  # read by the filter methods
        try:
            for name, value in self.form.cleaned_data.items():
                if name not in skip:
                    queryset = self.filters[name].filter(queryset, value)
        finally:
            self.counting = False
        return self.sort_queryset(queryset) if sort else queryset


class ApiPaperFilter(PaperFilter):
    """The JSON twin's parameters: the list page's plus `page_size`."""

    page_size = IntegerFilter(
        field_name="pk",
        lookup_expr="exact",
        method="filter_nothing",  # the view paginates
        label="Page size",
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        error_messages={
            "invalid": f"Enter a whole number from 1 to {MAX_PAGE_SIZE}.",
            "min_value": f"Enter a whole number from 1 to {MAX_PAGE_SIZE}.",
            "max_value": f"Enter a whole number from 1 to {MAX_PAGE_SIZE}.",
        },
    )


BOOKMARK_SORTS = [("bookmarked", "Bookmarked most recently"), *SORTS]


def _own_reading_lists(request) -> Any:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ReadingList.objects.none()
    return ReadingList.objects.filter(user=user)


class BookmarkFilter(PaperFilter):
    """ "My bookmarks": the list page's parameters plus `status`, `list` and a sort by
    bookmarking date (the default).

    The queryset must be the reader's bookmarked papers annotated with
    `with_bookmarked_at(user)`; `list` accepts only the reader's own lists.
    """

    status = django_filters.ChoiceFilter(
        field_name="bookmarks__status",
        lookup_expr="exact",
        method="filter_status",
        choices=Bookmark.Status.choices,
        empty_label=None,
        label="Status",
        error_messages=_choice_errors(Bookmark.Status.choices),
    )
    list = django_filters.ModelChoiceFilter(
        field_name="bookmarks__lists",
        lookup_expr="exact",
        method="filter_list",
        queryset=_own_reading_lists,
        empty_label=None,
        label="List",
        error_messages={"invalid_choice": "That is not one of your lists."},
    )
    sort = django_filters.ChoiceFilter(
        field_name="last_digest_date",
        lookup_expr="exact",
        method="filter_nothing",  # applied last, by sort_queryset
        choices=BOOKMARK_SORTS,
        empty_label=None,
        label="Sort by",
        error_messages=_choice_errors(BOOKMARK_SORTS),
    )

    def filter_status(
        self, queryset: PaperQuerySet, name: str, value: str
    ) -> PaperQuerySet:
        return queryset.with_bookmark_status(self.request.user, value)

    def filter_list(
        self, queryset: PaperQuerySet, name: str, value: ReadingList
    ) -> PaperQuerySet:
        return queryset.in_reading_list(value)

    @property
    def counts_are_shared(self) -> bool:
        return False  # one reader's bookmarks

    @property
    def effective_sort(self) -> str:
        data = self.form.cleaned_data
        return data.get("sort") or ("relevance" if data.get("q") else "bookmarked")

    def sort_queryset(self, queryset: PaperQuerySet) -> PaperQuerySet:
        if self.effective_sort == "bookmarked":
            return queryset.order_by("-bookmarked_at", "-pk")
        return super().sort_queryset(queryset)
