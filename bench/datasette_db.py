"""The same archive for Datasette: one `papers` table loaded with sqlite-utils from the
site's database, tags, authors, digest days and months as JSON arrays (what
Datasette's `_facet_array` counts), has_code/has_hf as 0/1 columns, and full-text
search on title and summary (`enable_fts`)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path


def export(path: Path, *, batch: int = 20_000) -> None:
    import sqlite_utils
    from django.db.models import F

    from papers.models import Appearance, Authorship, Paper

    path.unlink(missing_ok=True)
    db = sqlite_utils.Database(path)
    table = db["papers"]
    tags: dict[int, list[str]] = defaultdict(list)
    for paper_id, name in Paper.tags.through.objects.values_list(
        "paper_id", "tag__name"
    ).iterator(chunk_size=batch):
        tags[paper_id].append(name)
    authors: dict[int, list[str]] = defaultdict(list)
    for paper_id, name in (
        Authorship.objects.order_by("paper_id", "position")
        .values_list("paper_id", "author__name")
        .iterator(chunk_size=batch)
    ):
        authors[paper_id].append(name)
    days: dict[int, list[str]] = defaultdict(list)
    for paper_id, date in Appearance.objects.values_list("paper_id", "date").iterator(
        chunk_size=batch
    ):
        days[paper_id].append(date.isoformat())

    def rows():
        papers = Paper.objects.values_list(
            "pk", "key", "title", "summary", F("has_code"), F("has_hf")
        ).order_by("pk")
        for pk, key, title, summary, has_code, has_hf in papers.iterator(
            chunk_size=batch
        ):
            dates = sorted(days.get(pk, []))
            yield {
                "id": pk,
                "key": key,
                "title": title,
                "summary": summary,
                "tags": json.dumps(tags.get(pk, [])),
                "authors": json.dumps(authors.get(pk, [])),
                "digest_dates": json.dumps(dates),
                "months": json.dumps(sorted({date[:7] for date in dates})),
                "last_digest_date": dates[-1] if dates else None,
                "has_code": int(has_code),
                "has_hf": int(has_hf),
            }

    table.insert_all(rows(), pk="id", batch_size=batch)
    table.enable_fts(["title", "summary"], create_triggers=False)
    table.create_index(["last_digest_date"])
    db.vacuum()
