"""The list page, the author and tag pages and author suggestions: full page, htmx
fragment and history restore; links as real hrefs; invalid input; escaping; queries."""

import datetime
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse

from papers.models import Author, Bookmark, Dismissal, Tag
from tests.factories import PaperFactory, UserFactory

D = datetime.date
HTMX = {"HX-Request": "true"}
HISTORY_RESTORE = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
LIST = "/"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def tags(html: str, element: str | None = None, **attrs) -> list[dict]:
    """Start tags of `html` (optionally of one element) having the given attributes;
    a trailing "_" in a keyword is dropped (class_, for_)."""
    parser = _Tags()
    parser.feed(html)
    return [
        found
        for tag, found in parser.tags
        if (element is None or tag == element)
        and all(found.get(key.rstrip("_")) == value for key, value in attrs.items())
    ]


def one(html: str, element: str | None = None, **attrs) -> dict:
    (found,) = tags(html, element, **attrs)
    return found


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def get(client, url, params=None, headers=None):
    if params:
        url = f"{url}?{urlencode(params, doseq=True)}"
    return client.get(url, headers=headers or {})


def card_titles(html: str) -> list[str]:
    html = re.sub("</?mark>", "", html)  # search highlights
    return re.findall(r'class="paper-title"[^>]*><a href="[^"]+">([^<]+)</a>', html)


# --- The list page three ways ---


def test_the_full_page_has_the_form_the_facets_and_the_results(client, corpus):
    response = get(client, LIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith("<!doctype html>") or "<html" in html
    form = one(html, "form", id="filters")
    assert form["method"] == "get" and form["action"] == LIST
    assert form["hx-get"] == LIST
    assert form["hx-trigger"] == "change, submit"
    assert form["hx-target"] == "#browse"
    assert form["hx-swap"] == "outerHTML"
    assert form["hx-push-url"] == "true"
    assert form["hx-sync"] == "this:replace"
    assert form["hx-indicator"] == "#browse-indicator"
    search = one(html, "input", name="q")
    assert search["id"] == "id_q" and one(html, "label", for_="id_q")
    # "input", not "keyup": a paste with the mouse searches too, not only on blur.
    assert search["hx-trigger"] == "input changed delay:300ms, search"
    assert search["hx-include"] == "closest form"
    assert tags(html, "button", type="submit")
    assert one(html, id="browse")
    assert one(html, "p", id="result-count")["aria-live"] == "polite"
    assert "141 papers" in html
    assert len(tags(html, "article")) == 20
    # The search box sits outside #browse so typing never loses focus.
    assert html.index('name="q"') < html.index('id="browse"')


def test_results_come_before_the_filters_with_a_link_down_to_them(client, corpus):
    html = get(client, LIST).content.decode()
    browse = html[html.index('id="browse"') :]
    # Source order is the phone layout (and the tab order); wide screens move the
    # filters into a left column with CSS.
    assert browse.index('id="results"') < browse.index('id="filters-panel"')
    assert browse.index('id="result-count"') < browse.index('href="#filters-panel"')
    assert browse.index('href="#filters-panel"') < browse.index('class="paper-card"')
    assert one(html, "a", href="#filters-panel")
    assert one(html, "a", href="#results")


def test_the_default_tag_mode_sends_no_value(client, corpus):
    html = get(client, LIST, {"tag": "Robotics"}).content.decode()
    any_, all_ = tags(html, "input", name="tag_mode")
    assert any_["value"] == "" and "checked" in any_
    assert all_["value"] == "all" and "checked" not in all_


@pytest.mark.parametrize(
    "params",
    [
        {"tag": "Robotics"},
        {"tag": "Robotics", "tag_mode": "any"},
        {"tag": "Robotics", "tag_mode": ""},
        {
            "tag": "Robotics",
            "q": "",
            "sort": "",
            "tag_mode": "",
            "tag_q": "",
            "author_q": "",
            "date_from": "",
            "date_to": "",
            "has_code": "",
            "has_hf": "",
        },
    ],
)
def test_empty_and_default_parameters_change_nothing(client, corpus, params):
    html = get(client, LIST, params, HTMX).content.decode()
    assert len(tags(html, "article")) == 5
    assert "5 papers" in html


def test_an_htmx_request_gets_only_the_browse_element(client, corpus):
    response = get(client, LIST, {"tag": "Robotics"}, HTMX)
    title, html = response.content.decode().strip().split("\n", 1)
    assert response.status_code == 200
    # The tab title, which htmx moves to <head>, then the element.
    assert title == "<title>Robotics · 5 papers · AI paper digests</title>"
    html = html.strip()
    assert html.startswith('<div id="browse"')
    assert html.endswith("</div>")
    assert "<html" not in html and 'id="filters"' not in html
    assert 'name="q"' not in html
    assert "HX-Request" in response["Vary"]
    assert len(tags(html, "article")) == 5


def test_a_history_restore_gets_the_full_page(client, corpus):
    response = get(client, LIST, {"tag": "Robotics"}, HISTORY_RESTORE)
    html = response.content.decode()
    assert "<html" in html and one(html, "form", id="filters")
    assert "HX-Request" in response["Vary"]


def test_the_full_page_varies_on_hx_request_too(client, corpus):
    assert "HX-Request" in get(client, LIST)["Vary"]


def test_only_get_is_allowed(client, db):
    assert client.post(LIST).status_code == 405


# --- Facets, chips and pagination as real links ---


def test_tag_checkboxes_are_labelled_with_name_and_count(client, corpus):
    html = get(client, LIST).content.decode()
    box = one(html, "input", name="tag", value="Robotics")
    assert box["type"] == "checkbox" and "checked" not in box
    label = re.search(
        r'<label>\s*<input type="checkbox" name="tag" value="Robotics">(.*?)</label>',
        html,
        re.S,
    )
    text = re.sub(r"<[^>]+>|\s+", " ", label.group(1)).split()
    assert text == ["Robotics", "5", "papers"]


def test_selected_values_are_checked_and_shown_as_removable_chips(client, corpus):
    params = {"tag": ["Robotics", "Audio"], "author": "Yu Cheng", "has_code": "1"}
    html = get(client, LIST, params).content.decode()
    assert "checked" in one(html, "input", name="tag", value="Robotics")
    assert "checked" in one(html, "input", name="author", value="Yu Cheng")
    assert "checked" in one(html, "input", name="has_code", value="1")
    chips = {
        re.sub(r"<[^>]+>", "", m.group(2)).replace("Remove filter: ", ""): m.group(1)
        for m in re.finditer(
            r'class="filter-chip[^"]*" href="([^"]+)"[^>]*>(.*?)</a>', html
        )
    }
    assert set(chips) == {"Robotics", "Audio", "by Yu Cheng", "With code"}
    removed = query(chips["Robotics"].replace("&amp;", "&"))
    assert removed == {"tag": ["Audio"], "author": ["Yu Cheng"], "has_code": ["1"]}
    clear = one(html, "a", class_="clear-all")
    assert clear["href"] == LIST
    assert 'hx-boost="true"' in html[: html.index('class="chip-list"')]


def test_facet_links_keep_the_other_filters_and_drop_the_page(client, corpus):
    html = get(client, LIST, {"tag": "Multimodal", "page": "2"}).content.decode()
    exclude = next(
        a["href"]
        for a in tags(html, "a", class_="facet-exclude")
        if "Robotics" in a["href"]
    )
    assert query(exclude) == {"tag": ["Multimodal"], "tag_not": ["Robotics"]}
    month = next(
        a["href"] for a in tags(html, "a") if "date_to=2024-09-30" in a["href"]
    )
    assert query(month) == {
        "tag": ["Multimodal"],
        "date_from": ["2024-09-01"],
        "date_to": ["2024-09-30"],
    }


def test_quick_date_ranges_name_the_latest_digest_week_and_month(client, corpus):
    html = get(client, LIST).content.decode()
    assert "Latest week (Mar 6–12, 2025)" in html
    assert "Latest month (March 2025)" in html
    week = next(
        a["href"] for a in tags(html, "a") if "date_from=2025-03-06" in a["href"]
    )
    assert query(week) == {"date_from": ["2025-03-06"], "date_to": ["2025-03-12"]}


def test_pagination_links_are_real_and_mark_the_current_page(client, corpus):
    html = get(client, LIST, {"tag": "Natural Language Processing", "page": 2})
    html = html.content.decode()
    nav = html[html.index('class="pagination"') :]
    assert 'hx-boost="true"' in nav[:200]
    current = one(nav, "a", **{"aria-current": "page"})
    assert query(current["href"]) == {
        "tag": ["Natural Language Processing"],
        "page": ["2"],
    }
    pages = {
        query(a["href"]).get("page", ["1"])[0]
        for a in tags(nav, "a")
        if "tag=Natural" in a["href"]
    }
    assert pages == {"1", "2", "3", "4", "5"}
    # Page 1 is the state's clean address, without page=1.
    previous = one(nav, "a", rel="prev")["href"]
    assert previous == "/?tag=Natural+Language+Processing"
    count = sum("Natural Language Processing" in p.tags for p in corpus.values())
    assert 80 < count <= 100
    assert f"{count} papers, page 2 of 5" in html


def test_a_stale_page_number_falls_back_to_the_last_page(client, corpus):
    html = get(client, LIST, {"tag": "Robotics", "page": "40"}).content.decode()
    assert "5 papers" in html and len(tags(html, "article")) == 5


def test_search_results_come_by_relevance(client, corpus):
    html = get(client, LIST, {"q": "reinforcement learning"}).content.decode()
    assert tags(html, "article")
    assert one(html, "input", name="q")["value"] == "reinforcement learning"
    assert "selected" not in one(html, "option", value="newest")
    assert "“reinforcement learning”" in html  # the chip


def test_sort_select_keeps_the_choice(client, corpus):
    html = get(client, LIST, {"sort": "title"}).content.decode()
    assert "selected" in one(html, "option", value="title")
    titles = card_titles(html)
    assert titles == sorted(titles, key=str.lower)


def test_no_results_say_so_and_offer_clear_all(client, corpus):
    html = get(client, LIST, {"tag": "No such tag"}).content.decode()
    assert "0 papers" in html and "No papers match these filters." in html
    assert not tags(html, "article")


# --- Invalid input: a message next to the field, no results, never a 500 ---


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"page": "0"}, "page", "Enter a page number"),
        ({"page": "abc"}, "page", "Enter a page number"),
        ({"date_from": "2025-02-30"}, "date_from", "Enter a date as YYYY-MM-DD."),
        (
            {"date_from": "2025-03-05", "date_to": "2025-03-01"},
            "date_to",
            "The end date is before the start date.",
        ),
        ({"sort": "popular"}, "sort", "use one of newest, oldest, title, relevance"),
        ({"has_code": "maybe"}, "has_code", "use one of 1, 0"),
        ({"tag_mode": "most"}, "tag_mode", "use one of any, all"),
        ({"q": "x" * 300}, "q", "at most 200 characters"),
    ],
)
def test_invalid_values_show_a_message_and_no_results(
    client, corpus, params, field, message
):
    for headers in ({}, HTMX):
        response = get(client, LIST, {"tag": "Robotics", **params}, headers)
        html = response.content.decode()
        assert response.status_code == 200
        assert message in html
        assert f"<code>{field}=" in html
        assert not tags(html, "article")
        assert "No results: check the highlighted filters." in html
        # The rest of the selection is kept for the next submit.
        assert "checked" in one(html, "input", name="tag", value="Robotics")


def test_date_and_sort_errors_sit_next_to_their_fields(client, corpus):
    html = get(client, LIST, {"date_to": "soon", "sort": "x"}).content.decode()
    date_to = one(html, "input", name="date_to")
    assert date_to["aria-invalid"] == "true"
    assert one(html, "ul", id=date_to["aria-describedby"])
    assert one(html, "select", name="sort")["aria-describedby"] == "sort-errors"


@pytest.mark.parametrize(
    "query_string",
    [
        "page=99999999999999999999",
        "tag=" + "&tag=".join(str(n) for n in range(60)),
        # A NUL (%00) is refused with a 400 before any view: tests/test_bad_input.py.
        "q=%22%28AND",
        "date_from=0000-00-00",
        "has_hf=&has_code=&sort=&tag_mode=",
        "q=" + "%F0%9F%A4%96" * 10,
        "author_q=" + "x" * 500,
        "tag_q=%25%5F",
    ],
)
def test_odd_query_strings_never_fail(client, corpus, query_string):
    for url in (LIST, reverse("papers:author-suggest")):
        # Empty parameters are first redirected to the clean URL.
        response = client.get(f"{url}?{query_string}", follow=True)
        assert response.status_code == 200


# --- Cards ---


@pytest.mark.django_db
def test_a_card_shows_everything_the_digest_gives(client):
    PaperFactory(
        key="2599.01785",
        title="Visual RFT",
        summary="- First point. - Second point. - Third point.",
        authors=["Ziyu Liu", "yhcao"],
        tags=["Multimodal", "Robotics"],
        days=[D(2025, 3, 4), D(2025, 3, 5)],
        github_urls=["https://github.com/Liuziyu77/Visual-RFT", "https://github.com"],
        huggingface_urls=["https://huggingface.co/datasets/laolao77/ViRFT_COCO"],
    )
    html = get(client, LIST, {"q": "2599.01785"}).content.decode()
    (card,) = re.findall(r"<article.*?</article>", html, re.S)
    assert one(card, "a", href="/papers/2599.01785/")
    assert one(card, "a", href="/?author=Ziyu%20Liu")
    assert one(card, "a", href="/?tag=Multimodal")
    assert one(card, "a", href="/days/2025-03-04/")
    assert one(card, "a", href="/days/2025-03-05/")
    first, rest = card.split("<details", 1)
    assert "First point." in first and "Second point." not in first
    assert "Second point." in rest and "Third point." in rest
    buttons = [a for a in tags(card, "a") if "link-button" in a.get("class", "")]
    assert [a["href"] for a in buttons] == [
        "https://arxiv.org/abs/2599.01785",
        "https://arxiv.org/pdf/2599.01785",
        "https://github.com/Liuziyu77/Visual-RFT",
        "https://huggingface.co/datasets/laolao77/ViRFT_COCO",
    ]  # the bare https://github.com placeholder is left out
    assert all(a["rel"] == "noopener noreferrer" for a in buttons)


@pytest.mark.django_db
def test_digest_text_is_escaped(client):
    PaperFactory(
        title="<script>alert('title')</script>",
        summary="- <img src=x onerror=alert(1)> - <b>bold</b>",
        authors=["<i>Mallory</i>"],
        tags=["<svg/onload=alert(2)>"],
        days=[D(2026, 1, 1)],  # newest, so on the first page whatever else exists
    )
    for params in ({}, {"tag": "<svg/onload=alert(2)>"}, {"q": "alert"}):
        html = get(client, LIST, params).content.decode()
        assert "<script>alert" not in html
        # A search marks its word, with <mark> the only markup added.
        word = "<mark>alert</mark>" if params.get("q") else "alert"
        assert f"&lt;script&gt;{word}(&#x27;title&#x27;)&lt;/script&gt;" in html
        assert "<img src=x" not in html and "<b>bold" not in html
        assert "<i>Mallory" not in html and "<svg/onload" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("layout", ["cards", "compact"])
def test_digest_text_cannot_leave_its_attribute(client, layout):
    # Names land in title="…", href="…" and value="…": a quote must not end them.
    hostile = 'x" onmouseover="alert(1)'
    PaperFactory(
        title=hostile,
        summary=f"- {hostile} - second",
        authors=[hostile],
        tags=[hostile],
        days=[D(2026, 1, 1)],
    )
    client.cookies["list_mode"] = layout
    for params in ({}, {"tag": hostile}, {"q": "onmouseover"}):
        html = get(client, LIST, params).content.decode()
        assert 'onmouseover="' not in html
        assert "x&quot; onmouseover=&quot;alert(1)" in html


@pytest.mark.django_db
def test_the_page_has_no_inline_script_or_style(client):
    PaperFactory(days=[D(2025, 3, 4)], tags=["Audio"])
    html = get(client, LIST).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html and "hx-on" not in html


# --- Query counts ---


@pytest.mark.django_db
@pytest.mark.parametrize("logged_in", [False, True])
def test_the_list_page_runs_a_fixed_number_of_queries(
    client, django_assert_num_queries, logged_in
):
    if logged_in:
        client.force_login(UserFactory())
        get(client, LIST)  # the visit is recorded once, on the first request

    def make(count, offset):
        for n in range(count):
            PaperFactory(
                authors=[f"Author {offset + n}", "Shared Author"],
                tags=[f"Tag {n % 7}", "Shared"],
                days=[D(2025, 3, 1 + n % 28)],
                github_urls=["https://github.com/a/b"] if n % 2 else [],
            )

    params = {"tag": "Shared", "q": "paper", "author": "Shared Author"}
    make(5, 0)
    get(client, LIST)  # builds the browse index of the new data
    with django_assert_num_queries(QUERIES[logged_in]) as small:
        assert get(client, LIST, params).status_code == 200
    make(45, 5)
    get(client, LIST)
    with django_assert_num_queries(QUERIES[logged_in]) as large:
        html = get(client, LIST, params).content.decode()
    assert "50 papers" in html
    assert len(small.captured_queries) == len(large.captured_queries)


# Every state asks the same: one lookup statement (the data version, and whatever
# its filters need that the browse index does not hold: a search's ids, selected
# authors' ids, the reader's own marks) and the page's papers with their authors,
# tags and days. Tags, dates, flags, sort and page come from the index.
STATES = [
    {},
    {"tag": "Shared", "has_code": "1"},
    {"tag": ["Shared", "Tag 1"], "tag_mode": "all", "has_hf": "0"},
    {"tag_not": "Tag 3", "sort": "title", "page": "2"},
    {"date_from": "2025-03-04", "date_to": "2025-03-04"},
    {"q": "paper"},
    {"author": ["Shared Author", "Author 3"]},
    {"q": "paper", "tag": "Shared", "has_code": "1", "author": "Author 3"},
    {"tag_q": "sha", "author_q": "auth", "q": "paper"},
]
READER_STATES = [
    {"bookmarked": "1"},
    {"hide": ["bookmarked", "read"], "tag": "Shared"},
    {"hide": "dismissed", "q": "paper"},
    {"hide": ["bookmarked", "read", "dismissed"], "bookmarked": "0", "tag": "Shared"},
]
# A logged-in reader adds the session, the user, the visit record and, on the full
# page, the header's bookmark count and saved searches.
QUERIES_BASE = 2


@pytest.mark.django_db
@pytest.mark.parametrize("logged_in", [False, True])
def test_every_surface_runs_the_same_queries_whatever_the_filters(
    client, django_assert_num_queries, logged_in
):
    papers = [
        PaperFactory(
            authors=[f"Author {n}", "Shared Author"],
            tags=[f"Tag {n % 7}", "Shared"],
            days=[D(2025, 3, 1 + n % 28)],
            github_urls=["https://github.com/a/b"] if n % 2 else [],
        )
        for n in range(30)
    ]
    states = STATES
    if logged_in:
        reader = UserFactory()
        for paper in papers[:3]:
            Bookmark.objects.create(user=reader, paper=paper)
        Dismissal.objects.create(user=reader, paper=papers[3])
        client.force_login(reader)
        states = STATES + READER_STATES
    get(client, LIST)  # builds the browse index; records the reader's visit
    surfaces = {
        "page": (LIST, {}, 5 if logged_in else 0),
        "fragment": (LIST, {"HX-Request": "true"}, 3 if logged_in else 0),
        "api": ("/api/papers", {}, 3 if logged_in else 0),
    }
    for name, (url, headers, signed_in) in surfaces.items():
        for params in states:
            with django_assert_num_queries(
                QUERIES_BASE + signed_in, info=f"{name} {params}"
            ):
                response = get(client, url, params, headers)
            assert response.status_code == 200, (name, params)


@pytest.mark.django_db
def test_rebuilding_the_browse_index_runs_a_fixed_number_of_queries(
    client, django_assert_num_queries
):
    PaperFactory(authors=["A"], tags=["T"], days=[D(2025, 3, 1)])
    with django_assert_num_queries(QUERIES[False] + REBUILD) as small:
        get(client, LIST, {"tag": "T"})
    for n in range(20):
        PaperFactory(authors=[f"A{n}", "A"], tags=["T", f"T{n}"], days=[D(2025, 3, 2)])
    with django_assert_num_queries(QUERIES[False] + REBUILD) as large:
        get(client, LIST, {"tag": "T"})
    assert len(small.captured_queries) == len(large.captured_queries)


# The lookup statement and the page's papers (see QUERIES_BASE); a logged-in reader
# adds the session, the user, the visit record, the header's bookmark count and
# saved searches. Facets are counted and labelled in memory.
QUERIES = {False: QUERIES_BASE, True: QUERIES_BASE + 5}
# The version, papers with flags, tag links, tags, authorships, author names,
# appearances, three sort orders and the latest day.
REBUILD = 11


# --- Author and tag pages ---


def test_the_author_page_is_the_list_limited_to_the_author(client, corpus):
    author = Author.objects.get(name="Yu Cheng")
    url = reverse("papers:author", kwargs={"pk": author.pk})
    html = get(client, url).content.decode()
    expected = {k for k, p in corpus.items() if "Yu Cheng" in p.authors}
    assert "<h1>Papers by Yu Cheng</h1>" in html
    assert f"{len(expected)} papers in the digests" in html
    assert len(tags(html, "article")) == len(expected) == 2
    form = one(html, "form", id="filters")
    assert form["action"] == form["hx-get"] == url
    # Facets keep working inside the author's papers, on the author's page.
    exclude = tags(html, "a", class_="facet-exclude")[0]["href"]
    assert exclude.startswith(url + "?tag_not=")


def test_the_author_page_three_ways(client, corpus):
    author = Author.objects.get(name="Yu Cheng")
    url = reverse("papers:author", kwargs={"pk": author.pk})
    fragment = get(client, url, {"has_code": "1"}, HTMX)
    title, html = fragment.content.decode().strip().split("\n", 1)
    assert title.startswith("<title>Yu Cheng, with code · ")
    assert html.strip().startswith('<div id="browse"')
    assert "HX-Request" in fragment["Vary"]
    restored = get(client, url, {"has_code": "1"}, HISTORY_RESTORE).content.decode()
    assert "<h1>Papers by Yu Cheng</h1>" in restored


def test_the_tag_page_is_the_list_limited_to_the_tag(client, corpus):
    tag = Tag.objects.get(name="Robotics")
    url = reverse("papers:tag", kwargs={"slug": tag.slug})
    assert url == "/tags/robotics/"
    html = get(client, url).content.decode()
    assert "<h1>Papers tagged Robotics</h1>" in html
    assert "5 papers in the digests" in html
    assert len(tags(html, "article")) == 5
    narrowed = get(client, url, {"tag": "Multimodal"}, HTMX).content.decode()
    expected = [p for p in corpus.values() if {"Robotics", "Multimodal"} <= p.tags]
    assert len(tags(narrowed, "article")) == len(expected)
    restored = get(client, url, {}, HISTORY_RESTORE).content.decode()
    assert "<h1>Papers tagged Robotics</h1>" in restored


def test_unknown_authors_and_tags_are_404(client, db):
    assert client.get("/authors/999999/").status_code == 404
    assert client.get("/tags/no-such-tag/").status_code == 404


# --- Author suggestions ---


def test_author_suggestions_as_an_htmx_fragment(client, corpus):
    url = reverse("papers:author-suggest")
    response = get(
        client, url, {"author_q": "cheng", "q": "", "tag": "Multimodal"}, HTMX
    )
    html = response.content.decode().strip()
    assert html.startswith('<div id="author-values"')
    assert "HX-Request" in response["Vary"]
    names = [box["value"] for box in tags(html, "input", name="author")]
    assert names and all("cheng" in name.lower() for name in names)
    # Counts within the current filters.
    expected = sum(
        1 for p in corpus.values() if "Multimodal" in p.tags and "Yu Cheng" in p.authors
    )
    if "Yu Cheng" in names:
        assert f">{expected}<span" in html


def test_author_suggestions_as_a_plain_page(client, corpus):
    url = reverse("papers:author-suggest")
    html = get(client, url, {"q": "cheng", "tag": "Robotics"}).content.decode()
    assert "<html" in html and "<h1>Find an author</h1>" in html
    back = [f for f in tags(html, "form") if f.get("action") == LIST]
    assert back
    assert tags(html, "input", type="hidden", name="tag", value="Robotics")
    restored = get(client, url, {"q": "cheng"}, HISTORY_RESTORE).content.decode()
    assert "<h1>Find an author</h1>" in restored


def test_the_list_page_narrows_the_author_facet_without_javascript(client, corpus):
    html = get(client, LIST, {"author_q": "cheng"}).content.decode()
    names = [box["value"] for box in tags(html, "input", name="author")]
    assert names and all("cheng" in name.lower() for name in names)
    box = one(html, "input", name="author_q")
    assert box["value"] == "cheng"
    assert box["hx-get"] == reverse("papers:author-suggest")
    assert box["hx-target"] == "#author-values"


@pytest.mark.django_db
def test_code_and_hugging_face_options_keep_one_order_whatever_the_counts(client):
    # Fewer papers with code than without, more with Hugging Face links than without.
    PaperFactory(days=[D(2025, 3, 4)])
    PaperFactory(days=[D(2025, 3, 4)], huggingface_urls=["https://huggingface.co/x"])
    PaperFactory(
        days=[D(2025, 3, 4)],
        github_urls=["https://github.com/a/b"],
        huggingface_urls=["https://huggingface.co/y"],
    )
    for params in ({}, {"has_code": "0"}, {"has_hf": "1"}):
        html = get(client, LIST, params).content.decode()
        for facet, what in (("has_code", "code"), ("has_hf", "Hugging Face links")):
            fieldset = html.split(f'id="facet-{facet}"', 1)[1].split("</fieldset>")[0]
            labels = re.findall(r'<span class="facet-label">([^<]+)</span>', fieldset)
            assert labels == ["Either", f"With {what}", f"Without {what}"], params
