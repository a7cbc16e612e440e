"""Citations: the pure BibTeX and plain-text writers, and the Cite page and card."""

import datetime
import re

import bibtexparser
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware
from hypothesis import given
from hypothesis import strategies as st

from papers.citations import (
    _LATEX,
    LATEX_PLAIN,
    Citation,
    latex_escape,
    plain_reference,
    to_bibtex,
)
from tests.factories import PaperFactory


def citation(**changes) -> Citation:
    values = {
        "key": "2503.01785",
        "arxiv_id": "2503.01785",
        "title": "Visual-RFT: Visual Reinforcement Fine-Tuning",
        "authors": ("Ziyu Liu", "Zeyi Sun"),
        "digest_dates": (datetime.date(2025, 3, 4),),
        "url": "https://arxiv.org/abs/2503.01785",
    }
    return Citation(**(values | changes))


def parsed_fields(text: str) -> dict[str, str]:
    library = bibtexparser.parse_string(
        text, append_middleware=[LatexDecodingMiddleware()]
    )
    assert library.failed_blocks == []
    (entry,) = library.entries
    return {field.key: field.value for field in entry.fields}


def test_bibtex_entry_for_an_arxiv_paper():
    text = to_bibtex([citation()])
    assert text.startswith("@misc{arxiv:2503.01785,\n")
    assert parsed_fields(text) == {
        "title": "Visual-RFT: Visual Reinforcement Fine-Tuning",
        "author": "Ziyu Liu and Zeyi Sun",
        "year": "2025",
        "eprint": "2503.01785",
        "archivePrefix": "arXiv",
        "url": "https://arxiv.org/abs/2503.01785",
    }


@pytest.mark.parametrize(
    "title",
    ["50% of {braces} & $money$ #1 a_b ~ \\", "Ünïcödé, Éclair and 中文"],
)
def test_bibtex_escapes_latex_specials_and_accents_reversibly(title):
    text = to_bibtex([citation(title=title)])
    assert parsed_fields(text)["title"] == title
    # Accents are LaTeX macros (classic BibTeX sorts them right); CJK stays UTF-8.
    if "Ü" in title:
        assert "Ü" not in text and "中文" in text


def test_a_caret_is_written_as_its_latex_macro():
    assert r"x{\textasciicircum}2" in to_bibtex([citation(title="x^2")])


# Mostly the characters the encoder keeps, so the shortcut is taken often; sometimes
# one it rewrites ("&", "_", "é", "\\"), so it must not be.
@given(st.text(alphabet=st.sampled_from(sorted(LATEX_PLAIN) + list("&_{}%é\\\n\t"))))
def test_latex_escape_writes_what_the_encoder_writes(text):
    assert latex_escape(text) == _LATEX.unicode_to_latex(" ".join(text.split()))


def test_plain_reference_reads_as_one_line():
    assert plain_reference(citation()) == (
        "Ziyu Liu and Zeyi Sun (2025). Visual-RFT: Visual Reinforcement Fine-Tuning. "
        "arXiv:2503.01785. https://arxiv.org/abs/2503.01785"
    )
    assert plain_reference(
        citation(authors=("Solo",), title="Why?", arxiv_id="", url="")
    ) == ("Solo (2025). Why?")


def test_plain_reference_shortens_very_long_author_lists():
    names = tuple(f"Author {n}" for n in range(30))
    reference = plain_reference(citation(authors=names))
    assert "Author 18, … Author 29 (2025)." in reference
    assert "Author 19," not in reference


# --- Pages ---


@pytest.mark.django_db
def test_the_cite_page_works_without_javascript(client):
    paper = PaperFactory(
        key="2503.01785",
        title="<i>Visual</i> & RFT",
        authors=["Ziyu Liu", "Zeyi Sun"],
    )
    response = client.get(f"/papers/{paper.key}/cite/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "@misc{arxiv:2503.01785," in html
    # LaTeX-escaped for BibTeX, then HTML-escaped for the page.
    assert r"title = {\ensuremath{&lt;}i\ensuremath{&gt;}Visual" in html
    assert "Ziyu Liu and Zeyi Sun (2025). &lt;i&gt;Visual&lt;/i&gt; &amp; RFT." in html
    # Copy buttons wait for copy.js; no inline script.
    assert 'data-copy-target="cite-' in html and " hidden>Copy BibTeX" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert client.get("/papers/9999.99999/cite/").status_code == 404
    assert client.post(f"/papers/{paper.key}/cite/").status_code == 405


@pytest.mark.django_db
def test_the_bibtex_file_downloads(client):
    paper = PaperFactory(key="2503.01785", title="Visual RFT")
    response = client.get(f"/papers/{paper.key}/cite.bib")
    assert response["Content-Type"].startswith("application/x-bibtex")
    assert 'filename="arxiv-2503.01785.bib"' in response["Content-Disposition"]
    assert parsed_fields(response.content.decode())["title"] == "Visual RFT"


@pytest.mark.django_db
def test_old_style_arxiv_keys_have_a_cite_page(client):
    PaperFactory(key="hep-th/9901001", arxiv_id="hep-th/9901001", title="Old")
    response = client.get("/papers/hep-th/9901001/cite/")
    assert response.status_code == 200
    assert "@misc{arxiv:hep-th/9901001," in response.content.decode()


@pytest.mark.django_db
def test_each_card_and_the_paper_page_offer_the_citation(client):
    paper = PaperFactory(key="2503.01785", title="Visual RFT", authors=["Ziyu Liu"])
    listing = client.get("/").content.decode()
    assert '<details class="paper-cite">' in listing
    assert "@misc{arxiv:2503.01785," in listing
    assert f'href="/papers/{paper.key}/cite/"' in listing
    assert "js/copy.js" in listing
    detail = client.get(paper.get_absolute_url()).content.decode()
    assert 'id="cite-heading"' in detail and "Ziyu Liu (2025). Visual RFT." in detail
