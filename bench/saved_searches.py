"""Benchmark: what a reader's saved searches cost the header, /saved/ and their feeds.

    python bench/saved_searches.py                  # 100,000 papers, SQLite
    python bench/saved_searches.py --papers 20000 --new 500
    python bench/saved_searches.py --database-url postgres://postgres@127.0.0.1/saved

Uses bench/archive.py's synthetic archive (inserted directly; reused while the paper
count matches). A reader has ten saved searches (tags, a text search, an author, a
date range, their own bookmarks), last opened before the newest `--new` papers were
added. Times, through Django's test client, the account page (which shows nothing but
the header) for that reader and for one without saved searches, the difference being
the menu's ten "N new" counts; then /saved/, one private feed and the public feed of
the same state. Each is the median of `--runs` requests after one untimed request
(the process's browse index is built once, as a web worker's is). Results go to
bench/results/.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import setup_django  # noqa: E402

# Ten states of the kinds readers save; {author} and {since} are filled in.
STATES = [
    ("one broad tag", "tag=Multimodal"),
    ("one rare tag", "tag=Topic 140"),
    ("two tags, all", "tag=Multimodal&tag=Computer Vision&tag_mode=all"),
    ("tag with code", "tag=Natural Language Processing&has_code=1"),
    ("tag excluded", "tag_not=Multimodal&has_hf=1"),
    ("text search", "q=language"),
    ("text search, two words", "q=agent reasoning&sort=newest"),
    ("one author", "author={author}"),
    ("date range", "date_from={since}"),
    ("own bookmarks", "bookmarked=1"),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=1_000, help="papers added since")
    parser.add_argument(
        "--database-url", default=f"sqlite:///{ROOT / 'bench' / 'saved.sqlite3'}"
    )
    parser.add_argument("--runs", type=int, default=7)
    return parser.parse_args()


def timed(client, url: str, runs: int) -> float:
    """The median milliseconds of `runs` GETs, after one untimed GET."""
    times = []
    for attempt in range(runs + 1):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        if attempt:
            times.append(elapsed)
    return statistics.median(times)


def main() -> None:
    args = parse_args()
    setup_django(args.database_url, migrate=True)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.archive import generate
    from papers.browse.reader import Reader
    from papers.models import Author, Bookmark, Digest, Paper, SavedSearch
    from papers.saved_searches import with_new_counts

    if Paper.objects.count() != args.papers:
        generate(args.papers)
        if connection.vendor == "postgresql":  # as bench/run.py: plan on fresh stats
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
    now = timezone.now()
    opened = now - datetime.timedelta(days=1)
    # Every paper is older than the searches but the newest --new ones.
    newest = Paper.objects.order_by("-pk").values_list("pk", flat=True)[: args.new]
    cutoff = min(newest)
    Paper.objects.filter(pk__lt=cutoff).update(created_at=now - datetime.timedelta(7))
    Paper.objects.filter(pk__gte=cutoff).update(created_at=now)

    users = get_user_model().objects
    reader, _ = users.get_or_create(username="bench-saver")
    plain, _ = users.get_or_create(username="bench-plain")
    SavedSearch.objects.filter(user__in=[reader, plain]).delete()
    Bookmark.objects.filter(user=reader).delete()
    Bookmark.objects.bulk_create(
        Bookmark(user=reader, paper_id=pk)
        for pk in Paper.objects.order_by("?").values_list("pk", flat=True)[:200]
    )
    author = (
        Author.objects.annotate(n=Count("authorships")).order_by("-n", "pk").first()
    )
    since = Digest.objects.order_by("-date").values_list("date", flat=True)[30]
    searches = [
        SavedSearch.objects.create(
            user=reader,
            name=name,
            query_string=query.format(author=author.name, since=since).replace(
                " ", "+"
            ),
            last_opened_at=opened,
        )
        for name, query in STATES
    ]

    vendor = connection.vendor
    print(
        f"{args.papers:,} papers on {vendor}, {args.new:,} new since the searches "
        f"were opened; load average {os.getloadavg()[0]:.2f}"
    )
    with_new_counts(searches, Reader(user=reader))  # builds the browse index
    with CaptureQueriesContext(connection) as captured:
        counts = with_new_counts(searches, Reader(user=reader))
    queries = len(captured)  # now: a request resets the connection's query log
    for entry in counts:
        print(f"  {entry.search.name:<24} {entry.new} new")
    runs = []
    for _ in range(args.runs):
        started = time.perf_counter()
        with_new_counts(searches, Reader(user=reader))
        runs.append((time.perf_counter() - started) * 1000)
    counting = statistics.median(runs)

    client = Client()
    client.force_login(plain)
    without = timed(client, "/accounts/", args.runs)
    client.force_login(reader)
    with_menu = timed(client, "/accounts/", args.runs)
    saved_page = timed(client, "/saved/", args.runs)
    feed = timed(
        Client(), f"/saved/{searches[5].feed_token}/feed.atom", args.runs
    )  # the text search's, without a session
    # The public feed of the same state, for comparison: the same browse call.
    public_feed = timed(Client(), f"/feed.atom?{searches[5].query_string}", args.runs)
    rows = {
        "ten new counts (with_new_counts)": counting,
        "account page, no saved searches": without,
        "account page, ten saved searches in the menu": with_menu,
        "/saved/ with ten searches": saved_page,
        "private Atom feed (text search)": feed,
        "public Atom feed of the same state": public_feed,
    }
    print(f"queries for the ten counts: {queries}")
    for name, ms in rows.items():
        print(f"{name:<48} {ms:>7.1f} ms")

    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    out = results / f"saved-searches-{vendor}-{args.papers}.json"
    out.write_text(
        json.dumps(
            {
                "papers": args.papers,
                "new": args.new,
                "database": vendor,
                "load_average": os.getloadavg(),
                "queries_for_counts": queries,
                "median_ms": {name: round(ms, 1) for name, ms in rows.items()},
                "counts": {entry.search.name: entry.new for entry in counts},
                "measured_at": datetime.datetime.now(datetime.UTC).isoformat(
                    timespec="seconds"
                ),
            },
            indent=2,
        )
    )
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
