"""The filters' "Show N papers" link: the count of the filters as they stand, in the
full page, the htmx fragment and without JavaScript, leading back to the results."""

import re

import pytest

from tests.factories import PaperFactory

HTMX = {"HX-Request": "true"}


def results_link(html: str) -> str:
    (link,) = re.findall(r'<a class="results-link" href="#results">([^<]*)</a>', html)
    return link


@pytest.fixture
def papers(db):
    PaperFactory(tags=["Robotics"])
    PaperFactory(tags=["Robotics"])
    PaperFactory(tags=["Vision"])


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["full page", "htmx"])
def test_the_results_link_counts_the_papers_the_filters_select(client, papers, headers):
    assert results_link(client.get("/", headers=headers).content.decode()) == (
        "Show 3 papers"
    )
    robotics = client.get("/", {"tag": "Robotics"}, headers=headers)
    assert results_link(robotics.content.decode()) == "Show 2 papers"
    vision = client.get("/", {"tag": "Vision"}, headers=headers)
    assert results_link(vision.content.decode()) == "Show 1 paper"


def test_the_results_link_promises_no_count_when_the_filters_are_invalid(
    client, papers
):
    html = client.get("/", {"date_from": "yesterday"}).content.decode()
    assert results_link(html) == "Back to the results"
    assert 'id="results"' in html
