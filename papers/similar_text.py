"""Papers that say similar things: title and summary similarity, bounded per paper.

1. The paper's candidate terms: words of its title and summary, stemmed as the
   full-text indexes stem them, without stop words and paper boilerplate.
2. Each term's document frequency, counted by the full-text index (FTS5 on SQLite,
   the GIN-indexed vector on PostgreSQL) and capped at DF_CAP: a capped count reads
   at most DF_CAP index entries. Terms in no other paper, or in more than DF_CAP
   papers, cannot tell related papers apart and are dropped; the KEEP_TERMS rarest
   remain, the paper's distinctive terms. "For you", which compares many papers'
   terms on every request, keeps the frequencies per process for the current data
   version (papers.browse.version, `document_frequencies`).
3. Candidates: papers matching any distinctive term, best first by the index's own
   rank (bm25 on SQLite, ts_rank on PostgreSQL), at most CANDIDATES of them; that
   query reads at most KEEP_TERMS * DF_CAP index entries, whatever the archive size.
4. Each candidate's similarity: the IDF weight of the distinctive terms it shares
   (title terms counting TITLE_BOOST times), over the weight of all of them (1.0 =
   it has every one).

So a paper page costs three queries (frequencies, candidates, the archive's size),
each bounded in the index entries it reads.
"""

from __future__ import annotations

import dataclasses
import math
import re
import threading
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer
from django.db import connections
from django.db.models import F

from papers.browse.version import current_version
from papers.models import Paper, PaperQuerySet
from papers.search import PG_CONFIG, Bm25, StoredSearchVector

MAX_CANDIDATE_TERMS = 24
KEEP_TERMS = 12
DF_CAP = 1000
CANDIDATES = 60
MAX_KNOWN_WORDS = 100_000  # about 15 MB of frequencies kept per process, at most
# A title names the topic: its terms weigh this much more than the summary's.
TITLE_BOOST = 2.0

_WORD = re.compile(r"[^\W\d_][^\W_]{2,}", re.UNICODE)
# Common English words and the vocabulary every paper summary uses: they say nothing
# about what a paper is about.
_STOP_WORDS_TEXT = """
    about above across after again against also among an and any are around as at be
    because been before being below between both but by can could did do does doing
    down during each either few for from further had has have having her here hers
    him his how however if in into is it its itself just more most much must new no
    nor not now of off on once only or other our out over own same she should so some
    such than that the their them then there these they this those through to too
    under until up upon very via was we were what when where whether which while who
    whom why will with within without would yet you your
    paper papers propose proposes proposed present presents introduce introduces
    introduced approach approaches method methods result results show shows shown
    demonstrate demonstrates novel existing work works based using use uses used
    achieve achieves achieved performance improve improves improved improvement
    significant significantly state art outperform outperforms key across first
    effective effectively enable enables framework study studies task tasks model
    models data new large several various different however further address addresses
    well high low including include includes provide provides compared make makes
    allow allows current previous prior despite furthermore moreover related author
    authors designed successfully focused called particularly employed incorporating
    involves corresponding utilize utilizes explores explore comprehensive multiple
    mitigate impact underlying versions top size open set towards toward beyond like
    supports support covering combines process settings scores limitations resulting
    leading leverage leverages leveraging enhancing enhance enhances specific overall
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


_per_thread = threading.local()


def _stemmer():
    # Porter, as the FTS5 table's tokenizer (PostgreSQL's "english" is its successor).
    # One per thread: a stemmer keeps the word being stemmed in itself, so two
    # threads of a threaded server sharing one corrupt each other's words.
    stemmer = getattr(_per_thread, "stemmer", None)
    if stemmer is None:
        stemmer = _per_thread.stemmer = snowballstemmer.stemmer("porter")
    return stemmer


@lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    # Pure-Python stemming was most of the time of a page with related papers or
    # "For you" (every candidate's words are stemmed), and the same words recur.
    return _stemmer().stemWord(word)


def stems(text: str) -> list[str]:
    """The stemmed content words of `text`, in order, repeats kept."""
    words = [word for word in _WORD.findall(text.lower()) if word not in STOP_WORDS]
    return [_stem(word) for word in words]


def candidate_terms(title: str, summary: str) -> dict[str, str]:
    """Up to MAX_CANDIDATE_TERMS terms of a paper: stem -> a word as written.

    Title words first (a title names the topic), then summary words by frequency.
    """
    terms: dict[str, str] = {}
    for word, stem in _words_and_stems(title):
        terms.setdefault(stem, word)
    counts: dict[str, int] = {}
    first_word: dict[str, str] = {}
    for word, stem in _words_and_stems(summary):
        counts[stem] = counts.get(stem, 0) + 1
        first_word.setdefault(stem, word)
    for stem in sorted(counts, key=lambda s: -counts[s]):
        terms.setdefault(stem, first_word[stem])
    return dict(list(terms.items())[:MAX_CANDIDATE_TERMS])


def _words_and_stems(text: str) -> list[tuple[str, str]]:
    words = [word for word in _WORD.findall(text.lower()) if word not in STOP_WORDS]
    return [(word, _stem(word)) for word in words]


@dataclasses.dataclass(frozen=True)
class TextMatch:
    paper_id: int
    similarity: float  # 0 to 1
    shared_terms: tuple[str, ...]  # the distinctive words both papers use, rarest first


@dataclasses.dataclass(frozen=True)
class Frequencies:
    """The archive's size and, per word, the papers using it (capped at DF_CAP + 1)."""

    archive: int
    by_word: dict[str, int]


class _KnownFrequencies:
    """The frequencies read so far for one data version (papers.browse.version), in
    this process: they change only when the data does, and common words recur across
    papers and readers. At most MAX_KNOWN_WORDS words; a new version starts afresh."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version = ""
        self.archive: int | None = None
        self.counts: dict[str, int] = {}

    def lookup(self, version: str, words: list[str]) -> tuple[int | None, dict]:
        with self.lock:
            if version != self.version or len(self.counts) > MAX_KNOWN_WORDS:
                self.version, self.archive, self.counts = version, None, {}
            known = {word: self.counts[word] for word in words if word in self.counts}
            return self.archive, known

    def store(self, version: str, archive: int, counts: dict[str, int]) -> None:
        # No version (a database emptied by hand): nothing says when data changes.
        with self.lock:
            if version and version == self.version:
                self.archive = archive
                self.counts.update(counts)


_known = _KnownFrequencies()


def document_frequencies(words: Iterable[str]) -> Frequencies | None:
    """The frequencies of `words` (None on a database without a text index): those
    not known for the current data version in one query, for several papers' terms
    at once ("For you")."""
    db = Paper.objects.db
    vendor = connections[db].vendor
    if vendor not in ("sqlite", "postgresql"):
        return None
    unique = list(dict.fromkeys(words))
    version = current_version(using=db)
    archive, known = _known.lookup(version, unique)
    missing = [word for word in unique if word not in known]
    if missing or archive is None:
        archive, *counts = _archive_and_frequencies(missing, vendor)
        fetched = dict(zip(missing, counts, strict=True))
        _known.store(version, archive, fetched)
        known |= fetched
    return Frequencies(archive, known)


def paper_words(paper: Paper) -> list[str]:
    """The words whose frequencies `similar_by_text(paper)` reads."""
    return list(candidate_terms(paper.title, paper.summary).values())


def similar_by_text(
    paper: Paper, *, limit: int = CANDIDATES, known: Frequencies | None = None
) -> list[TextMatch]:
    """Papers whose title and summary share `paper`'s distinctive terms, best first.

    `known` holds the frequencies of the paper's words when the caller fetched them
    already (with other papers' words, `document_frequencies`); else one query does.
    """
    terms = candidate_terms(paper.title, paper.summary)
    if not terms:
        return []
    vendor = connections[Paper.objects.db].vendor
    if vendor not in ("sqlite", "postgresql"):
        return []
    written = list(terms.values())
    if known is None or any(word not in known.by_word for word in written):
        # One paper (its page): one query, as cheap as reading the data version.
        archive, *counts = _archive_and_frequencies(written, vendor)
        known = Frequencies(archive, dict(zip(written, counts, strict=True)))
    archive = known.archive
    frequencies = {stem: known.by_word[word] for stem, word in terms.items()}
    distinctive = sorted(
        (stem for stem, df in frequencies.items() if 1 < df <= DF_CAP),
        key=lambda stem: (frequencies[stem], stem),
    )[:KEEP_TERMS]
    if not distinctive:
        return []
    weights = {stem: math.log(1 + archive / frequencies[stem]) for stem in distinctive}
    words = [terms[stem] for stem in distinctive]
    candidates = list(
        _matching(words, vendor)
        .exclude(pk=paper.pk)
        .order_by("-text_rank", "-pk")
        .values_list("pk", "title", "summary")[:limit]
    )
    total = sum(weights.values())
    matches = []
    for pk, title, summary in candidates:
        present = set(stems(f"{title}\n{summary}"))
        shared = [stem for stem in distinctive if stem in present]
        if shared:
            matches.append(
                TextMatch(
                    paper_id=pk,
                    similarity=sum(weights[stem] for stem in shared) / total,
                    shared_terms=tuple(terms[stem] for stem in shared),
                )
            )
    matches.sort(key=lambda match: (-match.similarity, -match.paper_id))
    return matches


def _archive_and_frequencies(words: list[str], vendor: str) -> list[int]:
    """The archive's size, then for each word the papers whose title or summary has
    it, counted up to DF_CAP + 1: one query of scalar subqueries.

    The highest id stands in for the number of papers: an index lookup, where a count
    would scan the table; ids are dense enough for a logarithm.
    """
    largest = Paper.objects.order_by("-pk").values("pk")[:1]
    size_sql, size_params = largest.query.sql_with_params()
    parts, params = [f"COALESCE(({size_sql}), 1)"], list(size_params)
    for index, word in enumerate(words):
        # Unordered: the first DF_CAP + 1 hits, not all hits sorted.
        capped = _matching([word], vendor).order_by().values("pk")[: DF_CAP + 1]
        sql, word_params = capped.query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped_{index})")
        params.extend(word_params)
    with connections[Paper.objects.db].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        return list(cursor.fetchone())


def _matching(words: list[str], vendor: str) -> PaperQuerySet:
    """Papers whose title or summary has any of `words`, annotated `text_rank`.

    `words` come from _WORD (letters and digits only), so they need no quoting beyond
    the phrase quotes, and can never be query syntax.
    """
    if vendor == "sqlite":
        phrases = " OR ".join(f'"{word}"' for word in words)
        document = "search_document__document"
        return Paper.objects.filter(
            **{f"{document}__match": f"{{title summary}} : ({phrases})"}
        ).annotate(text_rank=Bm25(F(document)))
    from django.contrib.postgres.search import SearchQuery, SearchRank

    query = SearchQuery(" | ".join(words), search_type="raw", config=PG_CONFIG)
    return (
        Paper.objects.alias(search_vector=StoredSearchVector())
        .filter(search_vector=query)
        .annotate(text_rank=SearchRank(StoredSearchVector(), query))
    )
