"""The browse index alone at any size, without a database: its memory, and the time
of its in-memory work per request (filter masks, every facet's counts, the page's
rows in order) for the benchmark's states.

    python bench/index_only.py --papers 1000000

The index is built from random arrays with the archive's shape (bench/archive.py:
30 papers a day, 5% on two days, 1-3 of 150 long-tailed tags, 5 authors from a
long-tailed pool of papers/3, 45% with code, 30% with Hugging Face links). What a
real request adds on top: the data version, the full-text search and the page's
papers (queries, timed by bench/run.py), and rendering.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def synthetic_index(papers: int, seed: int = 20250311):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digestsite.settings")
    import django

    django.setup()
    from papers.browse.index import FacetIndex, Links

    rng = np.random.default_rng(seed)
    rows = np.arange(papers)
    # Tags: one long-tailed (Pareto) tag each, plus 0-2 uniform ones.
    main = np.minimum((rng.pareto(1.2, papers) + 1).astype(int) - 1, 149)
    extra_count = rng.integers(0, 3, papers)
    extra_rows = np.repeat(rows, extra_count)
    extra = rng.integers(0, 150, len(extra_rows))
    pairs = np.unique(np.concatenate((rows * 150 + main, extra_rows * 150 + extra)))
    tags = Links.from_pairs(pairs // 150, pairs % 150, papers, 150)
    # Authors: five from a pool of papers/3, skewed to the first ones.
    pool = max(1000, papers // 3)
    authors = (pool * rng.random((papers, 5)) ** 2).astype(np.int64)
    pairs = np.unique((rows[:, None] * pool + authors).ravel())
    authors = Links.from_pairs(pairs // pool, pairs % pool, papers, pool)
    # Digest days: 30 papers a day, 5% on the next day too.
    day = rows // 30
    twice = rng.random(papers) < 0.05
    day_rows = np.concatenate((rows, rows[twice]))
    day_index = np.concatenate((day, day[twice] + 1))
    first = np.datetime64("2026-11-27") - np.timedelta64(int(day.max()) + 1, "D")
    dates = (first + day_index.astype("timedelta64[D]")).astype("datetime64[D]")
    years = dates.astype("datetime64[Y]").astype(int) + 1970
    months = dates.astype("datetime64[M]").astype(int) % 12 + 1
    days_of_month = (dates - dates.astype("datetime64[M]")).astype(int) + 1
    numbers = years * 10000 + months * 100 + days_of_month
    by_day = np.argsort(numbers, kind="stable")
    month_numbers, month_value = np.unique(numbers // 100, return_inverse=True)
    paper_months = np.unique(day_rows * len(month_numbers) + month_value)
    month_links = Links.from_pairs(
        paper_months // len(month_numbers),
        paper_months % len(month_numbers),
        papers,
        len(month_numbers),
    )
    last_day = np.zeros(papers, dtype=np.int64)
    np.maximum.at(last_day, day_rows, numbers)
    orders = {
        "newest": np.lexsort((-rows, -last_day)).astype(np.int32),
        "oldest": np.lexsort((rows, last_day)).astype(np.int32),
        "title": rng.permutation(papers).astype(np.int32),
    }
    positions = {}
    for name, order in orders.items():
        position = np.empty(papers, dtype=np.int32)
        position[order] = np.arange(papers, dtype=np.int32)
        positions[name] = position
    tag_names = tuple(
        ["Multimodal", "Natural Language Processing", "Computer Vision"]
        + [f"Topic {n}" for n in range(147)]
    )
    return FacetIndex(
        version="synthetic",
        paper_ids=rows.astype(np.int64) + 1,
        has_code=rng.random(papers) < 0.45,
        has_hf=rng.random(papers) < 0.30,
        tags=tags,
        tag_names=tag_names,
        tag_values={name: value for value, name in enumerate(tag_names)},
        authors=authors,
        author_ids=np.arange(pool, dtype=np.int64) + 1,
        months=month_links,
        month_numbers=month_numbers,
        day_numbers=numbers[by_day],
        day_rows=day_rows[by_day].astype(np.int32),
        positions=positions,
        orders=orders,
        latest_digest=None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    index = synthetic_index(args.papers)
    print(
        f"{args.papers:,} papers: index built from arrays in "
        f"{time.perf_counter() - started:.1f} s, {index.nbytes / 2**20:.0f} MB"
    )
    from django.http import QueryDict

    from papers.browse.facets import (
        AuthorFacet,
        BooleanFacet,
        FacetRequest,
        MonthFacet,
        TagFacet,
    )

    request = FacetRequest(data={}, path="/", params=QueryDict(), author_values={})

    facets = [
        TagFacet(),
        AuthorFacet(),
        BooleanFacet("has_code"),
        BooleanFacet("has_hf"),
        MonthFacet(),
    ]
    size = index.size
    tag = index.tag_values

    def tags_any(*names):
        return index.tags.papers_with_any([tag[name] for name in names], size)

    last = int(index.day_numbers[-1])
    month_start = last // 100 * 100 + 1
    import datetime

    def day(number):
        return datetime.date(number // 10000, number // 100 % 100, number % 100)

    author = int(np.argmax(index.authors.totals))
    states = {
        "no filter": {},
        "one broad tag": {"tag": tags_any("Multimodal")},
        "one rare tag": {"tag": tags_any("Topic 137")},
        "two tags, all": {"tag": tags_any("Multimodal") & tags_any("Computer Vision")},
        "tag + has_code": {"tag": tags_any("Multimodal"), "has_code": index.has_code},
        "tag excluded + has_hf=0": {
            "tag_not": ~tags_any("Multimodal"),
            "has_hf": ~index.has_hf,
        },
        "one author": {"author": index.authors.papers_with_any([author], size)},
        "latest month": {"date_from": index.days_between(day(month_start), day(last))},
    }
    ignores = {
        "tag": ("tag",),
        "author": ("author",),
        "has_code": ("has_code",),
        "has_hf": ("has_hf",),
        "month": ("date_from",),
    }
    print("| state | in-memory work, median / max (ms) |\n|---|---:|")
    for name, masks in states.items():
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            for facet in facets:
                chosen = [
                    m for key, m in masks.items() if key not in ignores[facet.name]
                ]
                mask = None
                if chosen:
                    mask = chosen[0].copy()
                    for other in chosen[1:]:
                        mask &= other
                facet.counts(index, mask, request)
            everything = None
            if masks:
                everything = np.logical_and.reduce(list(masks.values()))
            order = index.orders["newest"]
            rows = order if everything is None else order[everything[order]]
            rows[:20]
            times.append((time.perf_counter() - started) * 1000)
        print(f"| {name} | {statistics.median(times):.1f} / {max(times):.1f} |")


if __name__ == "__main__":
    main()
