"""The list page's query string, read by django-filter: parameters -> QuerySet calls.

Semantics (issue 3): selected tags are OR'ed unless `tag_mode=all`; `tag_not` drops
papers carrying any of its tags; selected authors are OR'ed; different parameters are
AND'ed; `date_from`/`date_to` keep papers with at least one digest day inside the
inclusive range; `has_code`/`has_hf` test the digest's GitHub and HuggingFace columns.
An invalid value is a form error on its field: views show it (or answer 400) and never
run a different query in its place.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Collection
from functools import cached_property
from typing import Any

import django_filters
from django import forms
from django.db.models.functions import Lower

from papers.browse.reader import ANONYMOUS, Reader
from papers.for_you import ForYou, in_suggested_order, only_suggested, suggest
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
# Ranks by the reader's own bookmarks (papers.for_you): only for a logged-in reader,
# and keeps only the papers it can rank.
FOR_YOU = "for_you"
LIST_SORTS = [*SORTS, (FOR_YOU, "For you")]
DATE_FORMAT = "%Y-%m-%d"
# A logged-in reader's own marks, which `hide` drops from the results.
HIDE_CHOICES = [
    ("bookmarked", "Bookmarked"),
    ("read", "Read"),
    ("dismissed", "Not interested"),
]
NEW_CHOICES = [("1", "New since your last visit")]

# Applied after filtering; "relevance" falls back to newest without a search.
# "for_you" is no column order: papers.for_you ranks it.
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


def _page_field(label: str, maximum: int, message: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=1,
        max_value=maximum,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
    )


class PaperFilterForm(forms.Form):
    """The filters' form plus the parameters that control the listing rather than
    choose papers: how selected tags combine, the sort and the page."""

    tag_mode = forms.ChoiceField(
        choices=TAG_MODES,
        required=False,
        label="Match",
        error_messages=_choice_errors(TAG_MODES),
    )
    sort = forms.ChoiceField(
        choices=LIST_SORTS,
        required=False,
        label="Sort by",
        error_messages=_choice_errors(LIST_SORTS),
    )
    page = _page_field("Page", MAX_PAGE, "Enter a page number (1, 2, 3, …).")

    def __init__(self, *args: Any, reader: Reader = ANONYMOUS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reader = reader

    def clean_sort(self) -> str:
        sort = self.cleaned_data.get("sort") or ""
        if sort == FOR_YOU and self.reader.user is None:
            raise forms.ValidationError(
                "Log in to sort by “For you”: it ranks papers by your bookmarks.",
                code="login_required",
            )
        return sort

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned


class PaperFilter(django_filters.FilterSet):
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

    class Meta:
        model = Paper
        fields: list[str] = []  # every parameter is declared above
        form = PaperFilterForm

    def __init__(
        self,
        data: Any = None,
        queryset: PaperQuerySet | None = None,
        *,
        request: Any = None,
        reader: Reader | None = None,
        **options: Any,
    ) -> None:
        # Whose marks `bookmarked`, `hide`, `new`, the "for_you" sort (and on "My
        # bookmarks" `status`, `list`) read: given, or the request's logged-in user.
        self.reader_state = reader or (Reader.of(request) if request else ANONYMOUS)
        super().__init__(data, queryset, request=request, **options)

    @property
    def form(self) -> PaperFilterForm:
        # As django-filter builds it, plus the reader the sort is checked against.
        if not hasattr(self, "_form"):
            form_class = self.get_form_class()
            self._form = form_class(
                self.data if self.is_bound else None,
                prefix=self.form_prefix,
                reader=self.reader_state,
            )
        return self._form

    # --- The form alone: the browse engine validates a query string with it and
    # counts in memory, so it needs no filter instances (nor their deep copies). ---

    @classmethod
    def form_class(cls) -> type[PaperFilterForm]:
        """The form class django-filter builds for every instance, built once."""
        built = cls.__dict__.get("_built_form_class")
        if built is None:
            # From copies: a filter caches its field, and instances copy the class's
            # filters (BookmarkFilter then sets its `list` queryset per reader).
            filters = copy.deepcopy(cls.base_filters)
            fields = {name: f.field for name, f in filters.items()}
            built = type(f"{cls.__name__}Form", (cls._meta.form,), fields)
            cls._built_form_class = built
        return built

    @classmethod
    def bound_form(cls, data: Any, *, reader: Reader = ANONYMOUS) -> PaperFilterForm:
        """The filters' form bound to a query string, as `form` gives it."""
        return cls.form_class()(data, reader=reader)

    @classmethod
    def sort_in_force(cls, data: dict[str, Any]) -> str:
        """The sort in force: the one asked for, else relevance when searching."""
        return data.get("sort") or ("relevance" if data.get("q") else "newest")

    # --- Filter methods: each calls a PaperQuerySet method. ---

    def filter_q(self, queryset: PaperQuerySet, name: str, value: str) -> PaperQuerySet:
        return queryset.search(value)

    def filter_tag(
        self, queryset: PaperQuerySet, name: str, value: list[str]
    ) -> PaperQuerySet:
        if self.tag_match == "all":
            return queryset.tagged_all(*value)
        return queryset.tagged_any(*value)

    def filter_tag_not(
        self, queryset: PaperQuerySet, name: str, value: list[str]
    ) -> PaperQuerySet:
        return queryset.not_tagged(*value)

    def filter_author(
        self, queryset: PaperQuerySet, name: str, value: list[str]
    ) -> PaperQuerySet:
        return queryset.by_authors(*value)

    # One digest day must satisfy both bounds, so the range is a single condition:
    # date_from applies it with both bounds, date_to only when there is no date_from.

    def filter_date_from(
        self, queryset: PaperQuerySet, name: str, value: datetime.date
    ) -> PaperQuerySet:
        return queryset.in_digests_between(value, self.form.cleaned_data.get("date_to"))

    def filter_date_to(
        self, queryset: PaperQuerySet, name: str, value: datetime.date
    ) -> PaperQuerySet:
        if self.form.cleaned_data.get("date_from"):
            return queryset
        return queryset.in_digests_between(None, value)

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
        since = self.reader_state.since
        # A first visit has nothing new.
        return queryset.created_since(since) if since else queryset.none()

    # --- Whole-query behaviour ---

    @property
    def tag_match(self) -> str:
        """ "any" or "all": how the selected tags combine."""
        return self.form.cleaned_data.get("tag_mode") or "any"

    @property
    def reader(self):
        """The logged-in user the reader parameters apply to, or None."""
        return self.reader_state.user

    @property
    def effective_sort(self) -> str:
        return self.sort_in_force(self.form.cleaned_data)

    def sort_queryset(self, queryset: PaperQuerySet) -> PaperQuerySet:
        sort = self.effective_sort
        if sort == FOR_YOU:
            return in_suggested_order(queryset, self.for_you)
        if sort == "relevance" and not self.form.cleaned_data.get("q"):
            sort = "newest"
        return queryset.order_by(*ORDERINGS[sort])

    def filter_queryset(
        self,
        queryset: PaperQuerySet,
        *,
        skip: Collection[str] = (),
        sort: bool = True,
    ) -> PaperQuerySet:
        """Apply every filter but those in `skip` (the SQL oracle of a facet skips
        its own); the form's control fields (sort, page, ...) are no filters."""
        for name, value in self.form.cleaned_data.items():
            if name in self.filters and name not in skip:
                queryset = self.filters[name].filter(queryset, value)
        if self.effective_sort == FOR_YOU:
            # The sort keeps only the papers it can rank, whichever facet is counted.
            queryset = only_suggested(queryset, self.for_you)
        return self.sort_queryset(queryset) if sort else queryset

    @cached_property
    def for_you(self) -> ForYou:
        """The reader's suggestions (the form allows "for_you" to readers only)."""
        return suggest(self.reader, limit=None)


class ApiPaperFilterForm(PaperFilterForm):
    page_size = _page_field(
        "Page size", MAX_PAGE_SIZE, f"Enter a whole number from 1 to {MAX_PAGE_SIZE}."
    )


class ApiPaperFilter(PaperFilter):
    """The JSON twin's parameters: the list page's plus `page_size`."""

    class Meta(PaperFilter.Meta):
        form = ApiPaperFilterForm


BOOKMARK_SORTS = [("bookmarked", "Bookmarked most recently"), *SORTS]


class BookmarkFilterForm(PaperFilterForm):
    sort = forms.ChoiceField(
        choices=BOOKMARK_SORTS,
        required=False,
        label="Sort by",
        error_messages=_choice_errors(BOOKMARK_SORTS),
    )


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
        queryset=ReadingList.objects.none(),  # the reader's own, set per instance
        empty_label=None,
        label="List",
        error_messages={"invalid_choice": "That is not one of your lists."},
    )

    class Meta(PaperFilter.Meta):
        form = BookmarkFilterForm

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.reader is not None:
            self.filters["list"].queryset = ReadingList.objects.filter(user=self.reader)

    @classmethod
    def bound_form(cls, data: Any, *, reader: Reader = ANONYMOUS) -> PaperFilterForm:
        form = super().bound_form(data, reader=reader)
        if reader.user is not None:
            form.fields["list"].queryset = ReadingList.objects.filter(user=reader.user)
        return form

    def filter_status(
        self, queryset: PaperQuerySet, name: str, value: str
    ) -> PaperQuerySet:
        return queryset.with_bookmark_status(self.reader, value)

    def filter_list(
        self, queryset: PaperQuerySet, name: str, value: ReadingList
    ) -> PaperQuerySet:
        return queryset.in_reading_list(value)

    @classmethod
    def sort_in_force(cls, data: dict[str, Any]) -> str:
        return data.get("sort") or ("relevance" if data.get("q") else "bookmarked")

    def sort_queryset(self, queryset: PaperQuerySet) -> PaperQuerySet:
        if self.effective_sort == "bookmarked":
            return queryset.order_by("-bookmarked_at", "-pk")
        return super().sort_queryset(queryset)
