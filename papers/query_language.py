"""The search box's language, parsed once into a small tree; pure (no database).

    diffusion robots          both words (AND)
    "world model"             the exact phrase
    -survey                   papers without the word
    robots OR drones          either word
    author:hopper             the word in the authors' names
    tag:robotics              a tag of that name (tag:"machine learning")
    diffus                    the last word also matches as a prefix (typing)

`parse_query` never raises: anything it cannot read as an operator is read as words.
`to_fts5` and `to_tsquery` compile the tree for SQLite FTS5 and PostgreSQL; both emit
only words made of letters and digits (plus dots between digits), so no input can
inject syntax into either language. Tag terms are not text search: papers/search.py
turns them into a tag filter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUERY_LENGTH = 200
MAX_TERMS = 20
FIELDS = ("author", "tag")

# A word as both FTS5's unicode61 tokenizer and PostgreSQL's parser see it: letters
# and digits (never "_", a separator for both). Numbers with dots ("2503.01785",
# "3.5") stay whole: PostgreSQL keeps them as one lexeme, FTS5 splits them itself.
_WORD = re.compile(r"\d+(?:\.\d+)+|[^\W_]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FIELD = re.compile(r"(author|tag):", re.IGNORECASE)

# PostgreSQL's English stop words (snowball's list, as `english.stop` ships it). It
# ignores them in a query, so a lone one is dropped here for SQLite too: "the" or "of"
# must not make the same URL find different papers on the two databases.
_STOP_WORDS_TEXT = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what
    which who whom this that these those am is are was were be been being have has had
    having do does did doing a an the and but if or because as until while of at by for
    with about against between into through during before after above below to from up
    down in out on off over under again further then once here there when where why how
    all any both each few more most other some such no nor not only own same so than too
    very s t can will just don should now
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


@dataclass(frozen=True)
class Term:
    """Words that must occur together (one word, or a phrase), optionally scoped to
    a field; `prefix`: the last word may be the start of a longer one."""

    words: tuple[str, ...]
    field: str | None = None
    prefix: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class Query:
    """Every clause must match (each clause: any of its terms); no excluded term may."""

    clauses: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.clauses or self.excluded)

    @property
    def positive_terms(self) -> tuple[Term, ...]:
        return tuple(term for clause in self.clauses for term in clause)


@dataclass(frozen=True)
class _Token:
    words: tuple[str, ...]
    field: str | None
    negated: bool
    quoted: bool


_OR = object()  # the OR operator, between two tokens


def _tokens(text: str) -> list[_Token | object]:
    tokens: list[_Token | object] = []
    position, end = 0, len(text)
    while position < end:
        if text[position].isspace():
            position += 1
            continue
        negated = text[position] == "-"
        if negated:
            position += 1
        field = None
        match = _FIELD.match(text, position)
        if match:
            field = match.group(1).lower()
            position = match.end()
        if position < end and text[position] == '"':
            # A phrase runs to the next quote; an unbalanced one to the end.
            closing = text.find('"', position + 1)
            closing = end if closing == -1 else closing
            raw, quoted = text[position + 1 : closing], True
            position = closing + 1
        else:
            start = position
            while position < end and not text[position].isspace():
                position += 1
            raw, quoted = text[start:position], False
        if raw == "OR" and not negated and field is None and not quoted:
            tokens.append(_OR)
            continue
        words = tuple(word.lower() for word in _WORD.findall(raw))
        if words:
            tokens.append(_Token(words, field, negated, quoted))
    return tokens


def parse_query(text: str) -> Query:
    """Read the search box's input; hostile input gives a smaller query, never an
    error. Input without a word gives an empty (false) Query."""
    text = _CONTROL.sub(" ", text[:MAX_QUERY_LENGTH])
    tokens = _tokens(text)
    words = [token for token in tokens if token is not _OR]
    last_word = words[-1] if words else None
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join_next = False
    kept = 0
    for token in tokens:
        if token is _OR:
            join_next = bool(groups)
            continue
        assert isinstance(token, _Token)
        lone_stop_word = (
            not token.quoted and len(token.words) == 1 and token.words[0] in STOP_WORDS
        )
        if lone_stop_word or kept >= MAX_TERMS:
            join_next = False
            continue
        kept += 1
        prefix = token is last_word and not token.quoted and not token.negated
        term = Term(token.words, token.field, prefix)
        if token.negated:
            # An exclusion never joins an OR: "a OR -b" reads as "a -b".
            excluded.append(term)
            join_next = False
        elif join_next:
            groups[-1].append(term)
            join_next = False
        else:
            groups.append([term])
    clauses = tuple(tuple(dict.fromkeys(group)) for group in groups)
    return Query(clauses=tuple(dict.fromkeys(clauses)), excluded=tuple(excluded))


def is_text(term: Term) -> bool:
    """Whether the full-text index answers this term (tag terms it cannot)."""
    return term.field != "tag"


# --- SQLite FTS5 ---

FTS5_COLUMNS = {"author": "authors"}


def fts5_term(term: Term) -> str:
    # Words hold letters, digits and dots only, so the quoted string is a plain
    # FTS5 phrase; FTS5 splits "3.5" into adjacent tokens itself.
    phrase = '"' + " ".join(term.words) + '"' + ("*" if term.prefix else "")
    column = FTS5_COLUMNS.get(term.field or "")
    return f"{column} : {phrase}" if column else phrase


def _fts5_clause(clause: tuple[Term, ...]) -> str:
    if len(clause) == 1:
        return fts5_term(clause[0])
    return "(" + " OR ".join(fts5_term(term) for term in clause) + ")"


def to_fts5(clauses: tuple[tuple[Term, ...], ...], excluded: tuple[Term, ...]) -> str:
    """An FTS5 MATCH expression for text clauses and exclusions. FTS5's NOT needs
    something on its left, so there must be at least one clause."""
    if not clauses:
        raise ValueError("FTS5 cannot match exclusions alone")
    expression = " AND ".join(_fts5_clause(clause) for clause in clauses)
    for term in excluded:
        expression = f"({expression}) NOT ({fts5_term(term)})"
    return expression


# --- PostgreSQL tsquery ---

# In papers.search.paper_search_vector the authors' names carry weight B alone.
TSQUERY_WEIGHTS = {"author": "B"}


def tsquery_term(term: Term) -> str:
    """`to_tsquery` syntax: words in a phrase joined by <->, the last one a prefix
    (`:*`), restricted to the field's weight."""
    weight = TSQUERY_WEIGHTS.get(term.field or "", "")
    words = list(term.words)
    labels = [f":{weight}" if weight else ""] * len(words)
    if term.prefix:
        labels[-1] = f":*{weight}"
    operands = [word + label for word, label in zip(words, labels, strict=True)]
    joined = " <-> ".join(operands)
    return f"({joined})" if len(operands) > 1 else joined


def to_tsquery(
    clauses: tuple[tuple[Term, ...], ...], excluded: tuple[Term, ...]
) -> str:
    """A `to_tsquery` expression: clauses with &, alternatives with |, exclusions
    with & !. Needs at least one clause, like to_fts5, so both match the same."""
    if not clauses:
        raise ValueError("a tsquery needs something to match")
    parts = []
    for clause in clauses:
        alternatives = [tsquery_term(term) for term in clause]
        parts.append(
            alternatives[0]
            if len(clause) == 1
            else "(" + " | ".join(alternatives) + ")"
        )
    parts += [f"!{tsquery_term(term)}" for term in excluded]
    return " & ".join(parts)


# --- Highlighting ---


def highlight_words(query: Query) -> tuple[str, ...]:
    """The words whose occurrences in a title or summary explain a match."""
    words: dict[str, None] = {}
    for term in query.positive_terms:
        if term.field is None:
            words.update(dict.fromkeys(term.words))
    return tuple(words)
