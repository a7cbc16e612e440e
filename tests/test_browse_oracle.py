"""The browse engine against the SQL filters (PaperFilter over PaperQuerySet) as its
oracle: for random filter combinations, both must give the same papers in the same
order, the same total and the same count for every facet value.

Runs on whichever database DATABASE_URL names (SQLite by default; PostgreSQL in the
second pass of `make test`).
"""

import datetime
import random
from collections import Counter

import pytest
from django.db.models import Count
from django.http import QueryDict
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from papers.browse.engine import Scope, browse
from papers.browse.facets import AUTHOR_LIMIT
from papers.browse.reader import Reader
from papers.filters import ApiPaperFilter, BookmarkFilter, PaperFilter
from papers.models import (
    Appearance,
    Authorship,
    Bookmark,
    Dismissal,
    Paper,
    ReadingList,
)
from tests.factories import PaperFactory, UserFactory

TAGS = ["RL", "Vision", "Audio", "Robotics", "NLP", "Théorie"]
AUTHORS = [f"Author {n:02d}" for n in range(AUTHOR_LIMIT + 8)] + ["Zoë Ångström"]
WORDS = ["alpha", "beta", "gamma", "delta", "diffusion", "agents"]
TITLE_STARTS = ["alpha", "Alpha", "beta", "Élan", "zeta", "Zeta", "émoi", "Beta"]
START = datetime.date(2025, 2, 20)
SINCE = datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)


@pytest.fixture
def archive(db):
    """About sixty papers with every kind of link, some without a digest day, plus
    a reader with bookmarks (each status), dismissals and a reading list."""
    rng = random.Random(8)
    papers = []
    for n in range(60):
        days = sorted(
            {
                START + datetime.timedelta(rng.randrange(80))
                for _ in range(rng.randint(0, 3))
            }
        )
        papers.append(
            PaperFactory(
                title=" ".join(
                    [rng.choice(TITLE_STARTS), *rng.sample(WORDS, 2), str(n)]
                ),
                summary=" ".join(rng.choices(WORDS, k=rng.randint(2, 12))),
                authors=rng.sample(AUTHORS[: 10 + n % 20], rng.randint(0, 4)),
                tags=rng.sample(TAGS, rng.choice([0, 1, 1, 2, 3])),
                days=days,
                github_urls=["https://github.com/a/b"] if rng.random() < 0.45 else [],
                huggingface_urls=["https://huggingface.co/m"]
                if rng.random() < 0.3
                else [],
            )
        )
    # Half the papers "arrived" after the reader's previous visit.
    for paper in papers:
        moment = SINCE + datetime.timedelta(days=rng.choice([-3, 3]))
        Paper.objects.filter(pk=paper.pk).update(created_at=moment)
    reader = UserFactory()
    reading_list = ReadingList.objects.create(user=reader, name="Group")
    for index, paper in enumerate(rng.sample(papers, 15)):
        bookmark = Bookmark.objects.create(
            user=reader,
            paper=paper,
            status=Bookmark.Status.READ if index % 3 == 0 else Bookmark.Status.TO_READ,
        )
        Bookmark.objects.filter(pk=bookmark.pk).update(
            created_at=timezone.now() - datetime.timedelta(hours=index * 7 % 11)
        )
        if index % 2:
            reading_list.bookmarks.add(bookmark)
    for paper in rng.sample(papers, 8):
        Dismissal.objects.create(user=reader, paper=paper)
    other = UserFactory()
    Bookmark.objects.create(user=other, paper=papers[0])
    return {"reader": reader, "list": reading_list}


def some(values, most=3):
    return st.lists(st.sampled_from(values), max_size=most, unique=True)


def day():
    return st.dates(START - datetime.timedelta(5), START + datetime.timedelta(90))


SHARED = {
    "q": st.sampled_from(["alpha", "beta gamma", "diff", "agents alpha", "zzz", "-"]),
    "tag": some(TAGS + ["Unknown"]),
    "tag_mode": st.sampled_from(["any", "all"]),
    "tag_not": some(TAGS, 2),
    "author": some(AUTHORS[:14] + ["Nobody"], 2),
    "date_from": day(),
    "date_to": day(),
    "has_code": st.sampled_from(["0", "1"]),
    "has_hf": st.sampled_from(["0", "1"]),
    "sort": st.sampled_from(["newest", "oldest", "title", "relevance"]),
    "tag_q": st.sampled_from(["o", "VIS", "é"]),
    "author_q": st.sampled_from(["1", "author 0", "ö"]),
}
READER = {
    # "for_you" ranks by the reader's bookmarks: logged-in readers only.
    "sort": st.sampled_from(["newest", "oldest", "title", "relevance", "for_you"]),
    "bookmarked": st.sampled_from(["0", "1"]),
    "hide": some(["bookmarked", "read", "dismissed"]),
    "new": st.just("1"),
}
BOOKMARKS = {
    "status": st.sampled_from(["read", "to_read"]),
    "list": st.just("list"),
    "sort": st.sampled_from(["bookmarked", "newest", "title", "relevance"]),
}


@st.composite
def states(draw):
    scope = draw(st.sampled_from(["all", "all", "all", "tag", "author", "bookmarks"]))
    logged_in = scope == "bookmarks" or draw(st.booleans())
    choices = dict(SHARED)
    if logged_in:
        choices |= READER
    if scope == "bookmarks":
        choices |= BOOKMARKS
    names = draw(st.lists(st.sampled_from(sorted(choices)), max_size=5, unique=True))
    params = {name: draw(choices[name]) for name in names}
    if params.get("date_from") and params.get("date_to"):
        low, high = sorted([params["date_from"], params["date_to"]])
        params["date_from"], params["date_to"] = low, high
    return scope, logged_in, params


def query_dict(params: dict, archive) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in params.items():
        if name == "list":
            value = archive["list"].pk
        values = value if isinstance(value, list) else [value]
        query.setlist(name, [str(item) for item in values])
    return query


# --- The oracle: the same state through the SQL filters ---


def oracle(scope: Scope, params: QueryDict, reader: Reader, filter_class):
    base = Paper.objects.all()
    if scope.tag:
        base = base.tagged_any(scope.tag)
    if scope.author:
        base = base.by_authors(scope.author)
    if scope.bookmarks:
        base = base.bookmarked_by(reader.user).with_bookmarked_at(reader.user)
    filterset = filter_class(params, queryset=base, reader=reader)
    assert filterset.is_valid(), filterset.errors
    data = filterset.form.cleaned_data

    def papers(*skip):
        return filterset.filter_queryset(base.order_by(), skip=skip, sort=False)

    tag_skip = () if data.get("tag_mode") == "all" else ("tag",)
    tag_links = Paper.tags.through.objects.filter(
        paper__in=papers(*tag_skip).values("pk")
    )
    if params.get("tag_q"):
        tag_links = tag_links.filter(tag__name__icontains=params["tag_q"])
    tag_counts = dict(tag_links.values_list("tag__name").annotate(n=Count("paper")))
    tags = {name: tag_counts.get(name, 0) for name in data.get("tag") or []}
    tags |= tag_counts
    for name in data.get("tag_not") or []:
        tags.pop(name, None)

    authorships = Authorship.objects.filter(paper__in=papers("author").values("pk"))
    if params.get("author_q"):
        authorships = authorships.filter(author__name__icontains=params["author_q"])
    by_author = list(
        authorships.values_list("author_id", "author__name")
        .annotate(n=Count("paper"))
        .order_by("-n", "author_id")
    )
    selected = data.get("author") or []
    authors = {name: 0 for name in selected}
    others = []
    for _, name, count in by_author:
        if name in selected:
            authors[name] = count
        else:
            others.append((name, count))
    authors |= dict(others[:AUTHOR_LIMIT])

    def flags(name):
        rows = dict(papers(name).values_list(name).annotate(n=Count("pk")))
        return {"1": rows.get(True, 0), "0": rows.get(False, 0)}

    months = Counter()
    for paper_id, date in (
        Appearance.objects.filter(paper__in=papers("date_from", "date_to").values("pk"))
        .values_list("paper_id", "date")
        .distinct()
    ):
        months[(paper_id, f"{date:%Y-%m}")] = 1
    month_counts = Counter(month for _, month in months)

    ordered = list(filterset.qs.values_list("pk", flat=True))
    return {
        "ids": ordered,
        "tag": tags,
        "author": authors,
        "author_truncated": len(others) > AUTHOR_LIMIT,
        "has_code": flags("has_code"),
        "has_hf": flags("has_hf"),
        "month": dict(month_counts),
    }


def counts(facet) -> dict:
    return {value.value: value.count for value in facet.values}


def engine(scope: Scope, params: QueryDict, reader: Reader, filter_class):
    ids, page = [], 1
    while True:
        query = params.copy()
        query["page"] = str(page)
        result = browse(scope, query, reader, filter_class=filter_class)
        assert result.valid, result.errors
        ids += [paper.pk for paper in result.page]
        if not result.page.has_next():
            break
        page += 1
    facets = result.facets
    return {
        "ids": ids,
        "total": result.total,
        "tag": counts(facets.tag),
        "author": counts(facets.author),
        "author_truncated": facets.author.truncated,
        "has_code": counts(facets.has_code),
        "has_hf": counts(facets.has_hf),
        "month": counts(facets.month),
    }


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(state=states())
@example(state=("all", True, {"sort": "for_you"}))
@example(state=("tag", True, {"sort": "for_you", "has_code": "1", "hide": ["read"]}))
def test_the_engine_agrees_with_the_sql_filters(archive, state):
    kind, logged_in, raw = state
    reader = Reader(user=archive["reader"], since=SINCE) if logged_in else Reader()
    scope = {
        "all": Scope(path="/"),
        "tag": Scope(path="/tags/rl/", tag="RL"),
        "author": Scope(path="/authors/1/", author="Author 03"),
        "bookmarks": Scope(path="/bookmarks/", bookmarks=True),
    }[kind]
    filter_class = BookmarkFilter if kind == "bookmarks" else ApiPaperFilter
    params = query_dict(raw, archive)
    if filter_class is ApiPaperFilter:
        params["page_size"] = "100"

    expected = oracle(scope, params, reader, filter_class)
    got = engine(scope, params, reader, filter_class)

    assert got["ids"] == expected["ids"]
    assert got["total"] == len(expected["ids"])
    for facet in ("tag", "author", "author_truncated", "has_code", "has_hf", "month"):
        assert got[facet] == expected[facet], facet


def test_the_archive_exercises_what_the_property_test_relies_on(archive):
    """Guards against a fixture change that would make the random states trivial."""
    assert Paper.objects.filter(last_digest_date__isnull=True).exists()
    assert Paper.objects.filter(has_code=True).exists()
    assert Paper.objects.filter(has_hf=True).exists()
    assert Authorship.objects.values("author").distinct().count() > AUTHOR_LIMIT
    assert PaperFilter  # the list page's filters are ApiPaperFilter's minus page_size
    assert Bookmark.objects.filter(status=Bookmark.Status.READ).exists()
