"""Exports of any list state: formats, filters, scopes, errors, and the markdown round
trip through import_digest."""

import csv
import datetime
import io
import json
from io import StringIO

import bibtexparser
import pytest
from django.core.management import call_command

from papers.models import Appearance, Author, Digest, Paper, Tag
from tests.factories import PaperFactory
from tests.sample_corpus import load_corpus

pytestmark = pytest.mark.django_db


def body(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def papers():
    return {
        "robots": PaperFactory(
            title="World models for robots",
            authors=["Grace Hopper"],
            tags=["Robotics"],
            github_urls=["https://github.com/o/robots"],
            days=[datetime.date(2025, 3, 4)],
        ),
        "audio": PaperFactory(
            title="=HYPERLINK(evil) audio",
            authors=["Alan Turing"],
            tags=["Audio"],
            days=[datetime.date(2025, 3, 5)],
        ),
    }


def test_each_format_exports_the_filtered_state(client, papers):
    for fmt in ("bib", "csv", "json", "md"):
        response = client.get(f"/export.{fmt}", {"tag": "Robotics"})
        assert response.status_code == 200
        assert f'filename="papers.{fmt}"' in response["Content-Disposition"]
        text = body(response)
        assert "World models for robots" in text
        assert "audio" not in text


def test_bibtex_export_parses(client, papers):
    library = bibtexparser.parse_string(body(client.get("/export.bib")))
    assert library.failed_blocks == []
    assert {entry.key for entry in library.entries} == {
        f"arxiv:{paper.arxiv_id}" for paper in papers.values()
    }


def test_csv_export_defuses_formulas(client, papers):
    rows = list(csv.DictReader(io.StringIO(body(client.get("/export.csv")))))
    titles = {row["title"] for row in rows}
    assert titles == {"World models for robots", "'=HYPERLINK(evil) audio"}
    robots = next(row for row in rows if row["title"].startswith("World"))
    assert robots["authors"] == "Grace Hopper"
    assert robots["github_urls"] == "https://github.com/o/robots"


def test_json_export_follows_the_list_order_and_search(client, papers):
    data = json.loads(body(client.get("/export.json", {"sort": "title"})))
    assert [p["title"] for p in data["papers"]] == [
        "=HYPERLINK(evil) audio",
        "World models for robots",
    ]
    found = json.loads(body(client.get("/export.json", {"q": '"world model"'})))
    assert [p["key"] for p in found["papers"]] == [papers["robots"].key]


def test_author_and_tag_pages_export_their_own_papers(client, papers):
    author = Author.objects.get(name="Alan Turing")
    tag = Tag.objects.get(name="Robotics")
    by_author = json.loads(body(client.get(f"/authors/{author.pk}/export.json")))
    by_tag = json.loads(body(client.get(f"/tags/{tag.slug}/export.json")))
    assert [p["key"] for p in by_author["papers"]] == [papers["audio"].key]
    assert [p["key"] for p in by_tag["papers"]] == [papers["robots"].key]
    assert client.get("/authors/999999/export.json").status_code == 404


def test_bad_parameters_and_formats_get_a_clear_message(client, papers):
    response = client.get("/export.csv", {"date_from": "yesterday"})
    assert response.status_code == 400
    assert "date_from" in response.content.decode()
    unknown = client.get("/export.xlsx")
    assert unknown.status_code == 404
    assert "bib, csv, json, md" in unknown.content.decode()
    assert client.post("/export.csv").status_code == 405


def test_the_list_page_links_its_exports_for_the_current_filters(client, papers):
    # page=1 would redirect to the clean URL; the links drop any page, even page 2.
    html = client.get("/", {"tag": "Robotics", "page": "2"}).content.decode()
    assert 'href="/export.bib?tag=Robotics"' in html
    assert 'href="/export.md?tag=Robotics"' in html
    htmx = client.get("/", {"tag": "Audio"}, headers={"HX-Request": "true"})
    assert 'href="/export.csv?tag=Audio"' in htmx.content.decode()
    tag = Tag.objects.get(name="Robotics")
    assert (
        f'href="/tags/{tag.slug}/export.json'
        in client.get(tag.get_absolute_url()).content.decode()
    )


def snapshot() -> dict:
    """Everything the markdown format carries, per paper key."""
    return {
        paper.key: {
            "arxiv_id": paper.arxiv_id,
            "title": paper.title,
            "summary": " ".join(paper.summary.split()),
            "arxiv_url": paper.arxiv_url,
            "authors": [a.author.name for a in paper.authorships.all()],
            "tags": sorted(tag.name for tag in paper.tags.all()),
            "github_urls": paper.github_urls,
            "huggingface_urls": paper.huggingface_urls,
            "days": [(a.date, a.position) for a in paper.appearances.all()],
        }
        for paper in Paper.objects.for_listing()
    }


def test_the_markdown_export_imports_back_to_the_same_archive(client, tmp_path):
    load_corpus()
    before = snapshot()
    days = sorted(Digest.objects.values_list("date", flat=True))
    assert len(before) > 50 and len(days) > 5

    exported = tmp_path / "papers.md"
    exported.write_text(body(client.get("/export.md")), encoding="utf-8")
    assert exported.read_text().count("## Papers for ") == len(days)

    Appearance.objects.all().delete()
    Paper.objects.all().delete()
    Author.objects.all().delete()
    Tag.objects.all().delete()
    Digest.objects.all().delete()
    call_command("import_digest", str(exported), stdout=StringIO())

    assert sorted(Digest.objects.values_list("date", flat=True)) == days
    after = snapshot()
    assert after.keys() == before.keys()
    for key, paper in before.items():
        assert after[key] == paper, key
