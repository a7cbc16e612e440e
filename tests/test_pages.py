import datetime
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.views import defaults

from papers.browse.index import facet_index
from papers.models import Paper
from papers.related import related_to
from tests.factories import DigestFactory, PaperFactory

MAR_3 = datetime.date(2025, 3, 3)  # a Monday, ISO week 2025-W10
MAR_4 = datetime.date(2025, 3, 4)
MAR_7 = datetime.date(2025, 3, 7)
MAR_12 = datetime.date(2025, 3, 12)  # week 2025-W11
FEB_27 = datetime.date(2025, 2, 27)  # week 2025-W09


class Collector(HTMLParser):
    """Start tags with their attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = Collector()
    collector.feed(html)
    return collector.tags


def meta_values(html: str, name: str) -> list[str]:
    return [
        attrs["content"]
        for tag, attrs in tags_of(html)
        if tag == "meta" and attrs.get("name") == name
    ]


def text_of(html: str) -> str:
    """The HTML's text as a screen reader reads it, hidden spans included."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def hrefs(html: str) -> list[str]:
    return [attrs["href"] for tag, attrs in tags_of(html) if tag == "a"]


# --- The paper page ---


@pytest.fixture
def paper(db) -> Paper:
    return PaperFactory(
        key="2503.01785",
        arxiv_id="2503.01785",
        title="Visual-RFT: Visual Reinforcement Fine-Tuning",
        summary=" - Introduces Visual-RFT. - Beats SFT (by 24%). - Code is released.",
        arxiv_url="https://arxiv.org/abs/2503.01785",
        github_urls=["https://github.com/Liuziyu77/Visual-RFT", "https://github.com"],
        huggingface_urls=["https://huggingface.co/datasets/laolao77/ViRFT_COCO"],
        authors=["Ziyu Liu", "zeyiSun", "yhcao"],
        tags=["Multimodal", "Reinforcement Learning"],
        days=[MAR_4, MAR_7],
    )


def test_paper_page_shows_title_authors_in_order_tags_and_summary_points(client, paper):
    response = client.get("/papers/2503.01785/")

    assert response.status_code == 200
    assert response.templates[0].name == "papers/paper_detail.html"
    html = response.text
    assert '<h1 id="paper-title">Visual-RFT: Visual Reinforcement Fine-Tuning</h1>' in (
        html
    )
    assert html.index("Ziyu Liu") < html.index("zeyiSun") < html.index("yhcao")
    assert "Multimodal" in html and "Reinforcement Learning" in html
    assert "<li>Beats SFT (by 24%).</li>" in html
    assert "<li>Code is released.</li>" in html


def test_paper_page_links_authors_tags_and_days(client, paper):
    links = hrefs(client.get("/papers/2503.01785/").text)

    for authorship in paper.authorships.all():
        assert reverse("papers:author", kwargs={"pk": authorship.author_id}) in links
    for tag in paper.tags.all():
        assert reverse("papers:tag", kwargs={"slug": tag.slug}) in links
    assert "/days/2025-03-04/" in links
    assert "/days/2025-03-07/" in links
    assert "/weeks/2025-W10/" in links
    assert "/months/2025-03/" in links


def test_paper_page_lists_each_digest_day_with_the_papers_position(client, paper):
    paper.appearances.filter(date=MAR_7).update(position=7)

    html = client.get(paper.get_absolute_url()).text

    assert "number 1 that day" in html
    assert "number 7 that day" in html


def test_paper_page_shows_link_buttons_without_placeholders(client, paper):
    response = client.get("/papers/2503.01785/")
    buttons = {
        attrs["href"]: attrs["class"]
        for tag, attrs in tags_of(response.text)
        if tag == "a" and "link-button" in (attrs.get("class") or "")
    }

    assert buttons == {
        "https://arxiv.org/abs/2503.01785": "link-button link-arxiv",
        "https://arxiv.org/pdf/2503.01785": "link-button link-pdf",
        "https://github.com/Liuziyu77/Visual-RFT": "link-button link-github",
        "https://huggingface.co/datasets/laolao77/ViRFT_COCO": "link-button link-hf",
    }


def test_paper_page_never_links_to_a_non_web_scheme(client, db):
    PaperFactory(
        key="2503.00002",
        github_urls=["javascript://%0Aalert(1)", "data:text/html,hi"],
    )

    html = client.get("/papers/2503.00002/").text

    assert "javascript:" not in html
    assert "data:text" not in html


def test_paper_page_carries_citation_meta_tags(client, paper):
    html = client.get("/papers/2503.01785/").text

    assert meta_values(html, "citation_title") == [
        "Visual-RFT: Visual Reinforcement Fine-Tuning"
    ]
    assert meta_values(html, "citation_author") == ["Ziyu Liu", "zeyiSun", "yhcao"]
    assert meta_values(html, "citation_date") == ["2025/03/04"]
    assert meta_values(html, "citation_publication_date") == ["2025/03/04"]
    assert meta_values(html, "citation_arxiv_id") == ["2503.01785"]
    assert meta_values(html, "citation_pdf_url") == ["https://arxiv.org/pdf/2503.01785"]
    assert meta_values(html, "citation_abstract_html_url") == [
        "https://arxiv.org/abs/2503.01785"
    ]


def test_paper_without_arxiv_id_has_no_pdf_link_or_arxiv_meta(client, db):
    PaperFactory(key="url-0123456789abcdef", arxiv_id="", arxiv_url="", days=[MAR_4])

    response = client.get("/papers/url-0123456789abcdef/")

    assert response.status_code == 200
    assert meta_values(response.text, "citation_arxiv_id") == []
    assert meta_values(response.text, "citation_pdf_url") == []
    assert "link-pdf" not in response.text


def test_old_style_arxiv_key_with_a_slash_has_a_page(client, db):
    paper = PaperFactory(key="hep-th/9901001", arxiv_id="hep-th/9901001")

    assert paper.get_absolute_url() == "/papers/hep-th/9901001/"
    assert client.get("/papers/hep-th/9901001/").status_code == 200


@pytest.mark.parametrize(
    "url", ["/papers/9999.99999/", "/papers/hep-th/9901001/", "/papers/a/b/c/"]
)
def test_unknown_paper_is_a_404_page(client, db, url):
    response = client.get(url)

    assert response.status_code == 404
    assert "We could not find that page" in response.text


# --- Related papers ---


@pytest.fixture
def related_set(db) -> dict[str, Paper]:
    def make(name, authors, tags, day):
        return PaperFactory(title=name, authors=authors, tags=tags, days=[day])

    return {
        "self": make("Self", ["Ann", "Bob"], ["Robotics", "Vision"], MAR_4),
        "one_author": make("One author", ["Ann"], [], MAR_3),
        "two_tags": make("Two tags", ["Zed"], ["Robotics", "Vision"], MAR_7),
        "author_and_tag": make("Author and tag", ["Bob"], ["Vision"], MAR_3),
        "one_tag_new": make("One tag, newer", [], ["Robotics"], MAR_12),
        "one_tag_old": make("One tag, older", [], ["Vision"], FEB_27),
        "nothing": make("Unrelated", ["Cy"], ["Audio"], MAR_4),
    }


def test_related_papers_are_scored_3_per_author_and_1_per_tag(related_set):
    related = list(related_to(related_set["self"]))

    assert [(paper.title, paper.score) for paper in related] == [
        ("Author and tag", 4),
        ("One author", 3),
        ("Two tags", 2),
        ("One tag, newer", 1),
        ("One tag, older", 1),
    ]


def test_related_papers_are_capped(related_set):
    assert len(related_to(related_set["self"], limit=2)) == 2


def test_paper_page_lists_related_papers_best_first(client, related_set):
    html = client.get(related_set["self"].get_absolute_url()).text
    section = html[html.index('id="related-heading"') :]

    positions = [
        section.index(title)
        for title in ["Author and tag", "One author", "Two tags", "One tag, newer"]
    ]
    assert positions == sorted(positions)
    assert "Unrelated" not in section
    assert "1 shared author, 1 shared tag" in section


# --- Digest days ---


@pytest.fixture
def three_days(db) -> dict[str, Paper]:
    """Mar 3 and Mar 7 with a gap between them, and Mar 12 in the next week."""
    first = PaperFactory(title="First of Mar 3", authors=["A1"], days=[MAR_3])
    second = PaperFactory(title="Second of Mar 3", authors=["A2"], days=[MAR_3])
    second.appearances.update(position=2)
    twice = PaperFactory(title="On Mar 7 and Mar 12", days=[MAR_7, MAR_12])
    return {"first": first, "second": second, "twice": twice}


def test_day_page_lists_the_days_papers_in_table_order(client, three_days):
    three_days["first"].appearances.update(position=5)

    response = client.get("/days/2025-03-03/")

    assert response.status_code == 200
    html = response.text
    assert "Papers for <time" in html
    assert html.index("Second of Mar 3") < html.index("First of Mar 3")
    assert "On Mar 7" not in html


def test_day_page_links_the_adjacent_digest_days(client, three_days):
    links = hrefs(client.get("/days/2025-03-07/").text)

    assert "/days/2025-03-03/" in links
    assert "/days/2025-03-12/" in links
    assert "/weeks/2025-W10/" in links
    assert "/months/2025-03/" in links


def test_first_and_last_days_have_one_neighbour(client, three_days):
    first = client.get("/days/2025-03-03/").text
    last = client.get("/days/2025-03-12/").text

    assert 'rel="prev"' not in first and 'rel="next"' in first
    assert 'rel="prev"' in last and 'rel="next"' not in last


def test_a_digest_day_without_papers_still_has_a_page(client, db):
    DigestFactory(date=MAR_4)

    response = client.get("/days/2025-03-04/")

    assert response.status_code == 200
    assert "0 papers" in response.text


@pytest.mark.parametrize(
    "day",
    [
        "2025-03-05",  # no digest that day
        "2025-02-30",
        "2025-13-01",
        "2025-3-3",
        "20250303",
        "2025-03-03x",
        "yesterday",
        "0000-01-01",
    ],
)
def test_unknown_or_invalid_days_are_404(client, three_days, day):
    assert client.get(f"/days/{day}/").status_code == 404


# --- Weeks and months ---


def test_week_page_groups_the_papers_by_day_with_counts(client, three_days):
    response = client.get("/weeks/2025-W10/")

    assert response.status_code == 200
    html = response.text
    assert "Week 10 of 2025" in html
    assert "3 papers on 2 digest days" in html
    assert html.index("Second of Mar 3") < html.index("On Mar 7 and Mar 12")
    assert "/days/2025-03-03/" in hrefs(html)
    assert 'id="day-2025-03-07"' in html


def test_week_pages_link_the_nearest_weeks_with_digests(client, three_days):
    PaperFactory(days=[datetime.date(2025, 1, 8)])  # 2025-W02, weeks before empty

    links = hrefs(client.get("/weeks/2025-W10/").text)

    assert "/weeks/2025-W02/" in links
    assert "/weeks/2025-W11/" in links
    assert 'rel="next"' not in client.get("/weeks/2025-W11/").text


def test_month_page_counts_a_paper_on_two_days_once(client, three_days):
    response = client.get("/months/2025-03/")

    assert response.status_code == 200
    html = response.text
    assert "March 2025" in html
    assert "3 papers on 3 digest days" in html


def test_month_page_lists_titles_by_day_and_leaves_the_cards_to_day_pages(
    client, three_days
):
    twice = three_days["twice"]

    html = client.get("/months/2025-03/").text
    mar_7 = html[html.index('id="day-2025-03-07"') : html.index('id="day-2025-03-12"')]
    mar_12 = html[html.index('id="day-2025-03-12"') :]

    # 160-odd cards made a 600 KB month: titles only, each day linking its cards.
    assert 'class="paper-card"' not in html
    for day in (mar_7, mar_12):
        assert f"/papers/{twice.key}/" in hrefs(day)
    assert "/days/2025-03-07/" in hrefs(mar_7)
    assert "/days/2025-03-12/" in hrefs(mar_12)
    assert html.index("Second of Mar 3") < html.index("On Mar 7 and Mar 12")


def test_a_paper_on_two_days_of_a_week_has_one_card_under_the_first(client, three_days):
    pk = PaperFactory(title="On Mar 4 and Mar 7", days=[MAR_4, MAR_7]).pk

    html = client.get("/weeks/2025-W10/").text
    mar_4 = html[html.index('id="day-2025-03-04"') : html.index('id="day-2025-03-07"')]
    mar_7 = html[html.index('id="day-2025-03-07"') :]

    assert f'id="paper-{pk}"' in mar_4
    assert "Also on" in mar_4
    assert "#day-2025-03-07" in hrefs(mar_4)
    assert f'id="paper-{pk}"' not in mar_7
    assert f"#paper-{pk}" in hrefs(mar_7)
    assert "#day-2025-03-04" in hrefs(mar_7)
    # Each day still counts the paper among its own.
    assert re.search(r"7 March 2025</time></a>\s*<small>2 papers</small>", html)


def ids_of(html: str) -> list[str]:
    return [attrs["id"] for _, attrs in tags_of(html) if attrs.get("id")]


@pytest.mark.parametrize("url", ["/weeks/2025-W10/", "/months/2025-03/"])
@pytest.mark.parametrize("logged_in", [False, True])
def test_period_pages_have_unique_ids(client, busy_week, url, logged_in):
    if logged_in:
        reader = get_user_model().objects.create(username="reader")
        client.force_login(reader)
        for paper in Paper.objects.all():
            paper.bookmarks.create(user=reader, note="Mine")

    html = client.get(url).text
    ids = ids_of(html)

    cards = Paper.objects.count() if url.startswith("/weeks/") else 0
    assert html.count('class="paper-card"') == cards
    assert [id_ for id_ in ids if ids.count(id_) > 1] == []


def test_month_pages_link_the_nearest_months_with_digests(client, three_days):
    PaperFactory(days=[datetime.date(2024, 12, 31)])

    links = hrefs(client.get("/months/2025-03/").text)

    assert "/months/2024-12/" in links
    assert not any(href.startswith("/months/2025-04") for href in links)


@pytest.mark.parametrize(
    "url",
    [
        "/weeks/2025-W12/",  # no digest days
        "/weeks/2025-W54/",
        "/weeks/2025-W00/",
        "/weeks/2025-10/",
        "/weeks/2025-W1/",
        "/months/2025-04/",  # no digest days
        "/months/2025-13/",
        "/months/2025-00/",
        "/months/2025-3/",
        "/months/march/",
    ],
)
def test_unknown_or_invalid_periods_are_404(client, three_days, url):
    assert client.get(url).status_code == 404


# --- The archive ---


def test_archive_lists_every_month_newest_first_with_day_counts(client, three_days):
    PaperFactory(days=[datetime.date(2024, 12, 31)])

    response = client.get("/archive/")

    assert response.status_code == 200
    html = response.text
    assert html.index("March 2025") < html.index("December 2024")
    assert "4 digest days, 4 papers" in html
    assert "3 papers on 3 days" in html
    assert "Monday 3 March 2025: 2 papers" in text_of(html)
    links = hrefs(html)
    for url in [
        "/days/2025-03-03/",
        "/days/2025-03-12/",
        "/weeks/2025-W10/",
        "/weeks/2025-W11/",
        "/months/2025-03/",
        "/months/2024-12/",
        "/days/2024-12-31/",
    ]:
        assert url in links
    # Days without a digest are not links.
    assert "/days/2025-03-04/" not in links


def test_empty_archive_says_so(client, db):
    assert "No digest days yet" in client.get("/archive/").text


# --- Query counts: fixed, whatever the number of papers ---


@pytest.fixture
def busy_week(db) -> Paper:
    days = [MAR_3, MAR_4, MAR_7]
    for number in range(12):
        PaperFactory(
            authors=[f"Author {number}", "Shared Author"],
            tags=["Shared", f"Tag {number}"],
            days=days[: 1 + number % 3],
            github_urls=["https://github.com/a/b"],
        )
    return Paper.objects.first()


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/days/2025-03-03/", 5),
        ("/weeks/2025-W10/", 5),
        ("/months/2025-03/", 5),
        ("/archive/", 3),
    ],
)
def test_pages_run_a_fixed_number_of_queries(
    client, busy_week, django_assert_max_num_queries, url, queries
):
    with django_assert_max_num_queries(queries):
        assert client.get(url).status_code == 200


def test_paper_page_runs_a_fixed_number_of_queries(
    client, busy_week, django_assert_max_num_queries
):
    # Related papers by text add two (term frequencies, candidates): see
    # papers/similar_text.py. Those sharing authors and tags are scored in the
    # browse index, which costs one query for its data version once it is built.
    facet_index()
    with django_assert_max_num_queries(8):
        assert client.get(busy_week.get_absolute_url()).status_code == 200


# Logged in, the layout adds five: session, user, reader profile, bookmark count and
# the reader's saved searches (their "new" counts cost nothing more when none exist).
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("paper", 13),
        ("/days/2025-03-03/", 10),
        ("/weeks/2025-W10/", 10),
        ("/months/2025-03/", 10),
        ("/archive/", 8),
    ],
)
def test_pages_for_a_logged_in_reader_run_a_fixed_number_of_queries(
    client, busy_week, django_assert_max_num_queries, url, queries
):
    if url == "paper":
        url = busy_week.get_absolute_url()
    # No password: hashing one would be most of this test's time.
    client.force_login(get_user_model().objects.create(username="reader"))
    client.get(url)  # the first visit of a session also records it

    with django_assert_max_num_queries(queries):
        assert client.get(url).status_code == 200


# --- Error pages ---


def test_error_pages_render_without_a_request_or_context(db):
    for template in ["400.html", "403.html", "404.html", "500.html"]:
        html = render_to_string(template)
        assert "AI paper digests" in html
        assert 'id="main"' in html


def test_django_error_handlers_use_our_templates(db):
    request = RequestFactory().get("/broken/")

    assert b"Something went wrong on our side" in defaults.server_error(request).content
    assert b"did not make sense" in defaults.bad_request(request, Exception()).content
    assert b"You may not do that" in (
        defaults.permission_denied(request, Exception()).content
    )


# --- The ends of the calendar: year 1 and year 9999 ---

FIRST_DAY = datetime.date.min  # 0001-01-01, a Monday
LAST_DAY = datetime.date.max  # 9999-12-31, a Friday of ISO week 9999-W52


@pytest.fixture
def calendar_ends(db) -> dict[str, Paper]:
    return {
        "first": PaperFactory(title="At the first day", days=[FIRST_DAY]),
        "last": PaperFactory(title="At the last day", days=[LAST_DAY]),
    }


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("/days/9999-12-31/", "At the last day"),
        ("/days/0001-01-01/", "At the first day"),
        ("/weeks/9999-W52/", "At the last day"),
        ("/weeks/0001-W01/", "At the first day"),
        ("/months/9999-12/", "At the last day"),
        ("/months/0001-01/", "At the first day"),
    ],
)
def test_periods_at_the_ends_of_the_calendar_have_pages(
    client, calendar_ends, url, title
):
    response = client.get(url)

    assert response.status_code == 200
    assert title in response.text


def test_periods_at_the_ends_of_the_calendar_link_each_other(client, calendar_ends):
    last_week = client.get("/weeks/9999-W52/").text
    first_month = client.get("/months/0001-01/").text
    last_day = client.get("/days/9999-12-31/").text

    assert "/weeks/0001-W01/" in hrefs(last_week)
    assert 'rel="next"' not in last_week
    assert "/months/9999-12/" in hrefs(first_month)
    assert 'rel="prev"' not in first_month
    assert "/days/0001-01-01/" in hrefs(last_day)
    assert "/weeks/9999-W52/" in hrefs(last_day)
    assert "/months/9999-12/" in hrefs(last_day)


@pytest.mark.parametrize(
    "url",
    [
        "/weeks/9999-W52/",
        "/weeks/0001-W01/",
        "/months/9999-12/",
        "/months/0001-01/",
        "/days/9999-12-31/",
        "/days/0001-01-01/",
        "/weeks/9999-W53/",
        "/weeks/0000-W52/",
        "/months/0000-12/",
    ],
)
def test_periods_at_the_ends_of_the_calendar_without_digests_are_404(
    client, three_days, url
):
    assert client.get(url).status_code == 404


def test_archive_shows_digests_at_the_ends_of_the_calendar(client, calendar_ends):
    response = client.get("/archive/")

    assert response.status_code == 200
    links = hrefs(response.text)
    for url in [
        "/days/9999-12-31/",
        "/weeks/9999-W52/",
        "/months/9999-12/",
        "/days/0001-01-01/",
        "/weeks/0001-W01/",
        "/months/0001-01/",
    ]:
        assert url in links
    assert "Friday 31 December 9999: 1 paper" in text_of(response.text)


def test_paper_page_links_its_period_at_the_end_of_the_calendar(client, calendar_ends):
    paper = calendar_ends["last"]

    links = hrefs(client.get(f"/papers/{paper.key}/").text)

    assert "/weeks/9999-W52/" in links
    assert "/months/9999-12/" in links


def test_a_day_page_names_its_day_once_and_cards_only_the_other_days(
    client, three_days
):
    mar_3 = text_of(client.get("/days/2025-03-03/").text)
    assert mar_3.count("In the digest of") == 1
    assert "In the digest of Mar 3, 2025: 2 papers" in mar_3
    assert "Also in the digest" not in mar_3

    mar_7 = text_of(client.get("/days/2025-03-07/").text)
    assert mar_7.count("In the digest of") == 1
    assert "Also in the digest of Mar 12, 2025" in mar_7
    assert "Mar 7, 2025" not in mar_7.split("In the digest of Mar 7, 2025", 1)[1]


def test_a_day_page_heads_its_cards_with_a_level_2_heading(client, three_days):
    html = client.get("/days/2025-03-03/").text
    assert html.index("<h1") < html.index("<h2") < html.index("<h3")


def test_archive_day_links_are_named_by_their_visible_text(client, three_days):
    html = client.get("/archive/").text
    day_links = re.findall(r'<a href="/days/[^"]+"([^>]*)>', html)
    assert day_links and not any("aria-label" in attrs for attrs in day_links)


def test_a_week_page_cards_list_only_days_outside_the_week(client, three_days):
    week_11 = text_of(client.get("/weeks/2025-W11/").text)
    assert "In the digest of" not in week_11
    assert "Also in the digest of Mar 7, 2025" in week_11

    week_10 = text_of(client.get("/weeks/2025-W10/").text)
    assert "In the digest of" not in week_10
    assert "Also in the digest of Mar 12, 2025" in week_10
    assert "Also in the digest of Mar 3" not in week_10
