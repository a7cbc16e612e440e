"""The search language's parser and its two compilers, without a database."""

import pytest

from papers.query_language import (
    MAX_TERMS,
    Query,
    Term,
    highlight_words,
    parse_query,
    to_fts5,
    to_tsquery,
)


def compiled(text: str) -> tuple[str, str]:
    query = parse_query(text)
    return to_fts5(query.clauses, query.excluded), to_tsquery(
        query.clauses, query.excluded
    )


def test_words_are_anded_and_the_last_is_a_prefix():
    assert parse_query("diffusion robots") == Query(
        clauses=((Term(("diffusion",)),), (Term(("robots",), prefix=True),))
    )
    assert compiled("diffusion robots") == (
        '"diffusion" AND "robots"*',
        "diffusion & robots:*",
    )


def test_a_quoted_phrase_is_exact_and_never_a_prefix():
    assert parse_query('"world model"') == Query(clauses=((Term(("world", "model")),),))
    assert compiled('"World Model"') == ('"world model"', "(world <-> model)")


def test_an_unbalanced_quote_runs_to_the_end():
    assert parse_query('robots "world model') == parse_query('robots "world model"')


def test_minus_excludes_a_word_or_phrase():
    query = parse_query('agents -survey -"large language"')
    assert query.excluded == (Term(("survey",)), Term(("large", "language")))
    assert compiled("agents -survey") == (
        '("agents") NOT ("survey")',
        "agents & !survey",
    )


def test_or_joins_its_neighbours_into_one_clause():
    query = parse_query("robots OR drones agents")
    assert query.clauses == (
        (Term(("robots",)), Term(("drones",))),
        (Term(("agents",), prefix=True),),
    )
    assert compiled("robots OR drones agents") == (
        '("robots" OR "drones") AND "agents"*',
        "(robots | drones) & agents:*",
    )


def test_lowercase_or_is_a_common_word_and_a_dangling_or_is_ignored():
    assert parse_query("OR robots OR") == parse_query("robots")
    # "or" is an English stop word: dropped, as PostgreSQL would drop it.
    assert parse_query("robots or drones") == parse_query("robots drones")


def test_an_exclusion_never_joins_an_or():
    assert parse_query("robots OR -drones") == parse_query("robots -drones")


def test_author_and_tag_scope_a_word_or_phrase():
    query = parse_query('author:Hopper tag:"Machine Learning" x')
    assert query.clauses[0] == (Term(("hopper",), field="author"),)
    assert query.clauses[1] == (Term(("machine", "learning"), field="tag"),)
    # Only the author term reaches the full-text languages, as a column or weight.
    text_only = (query.clauses[0], query.clauses[2])
    assert to_fts5(text_only, ()) == 'authors : "hopper" AND "x"*'
    assert to_tsquery(text_only, ()) == "hopper:B & x:*"


def test_the_last_author_word_is_a_prefix_within_its_field():
    query = parse_query("author:hop")
    assert to_fts5(query.clauses, ()) == 'authors : "hop"*'
    assert to_tsquery(query.clauses, ()) == "hop:*B"


def test_an_unknown_field_is_read_as_words():
    assert parse_query("title:diffusion") == Query(
        clauses=((Term(("title", "diffusion"), prefix=True),),)
    )


def test_lone_stop_words_are_dropped():
    assert not parse_query("the of a")
    assert parse_query("the robots") == parse_query("robots")
    # Inside a phrase they stay: FTS5 needs them to be adjacent.
    assert parse_query('"state of the art"').clauses[0][0].words == (
        "state",
        "of",
        "the",
        "art",
    )


def test_numbers_with_dots_stay_one_word():
    assert compiled("2503.01785") == ('"2503.01785"*', "2503.01785:*")


def test_repeated_terms_are_kept_once():
    assert len(parse_query('robots robots "robots"').clauses) == 1


def test_at_most_max_terms_are_kept():
    assert len(parse_query(" ".join(["word"] * 200)).clauses) == 1
    many = " ".join(f"word{i}" for i in range(200))
    assert len(parse_query(many).clauses) == MAX_TERMS


HOSTILE = [
    'foo"bar',
    '"',
    '""',
    '"""',
    "AND (",
    "OR",
    "OR OR OR",
    "NOT x",
    "-",
    "- -",
    "-x",
    "x -",
    "--x",
    "NEAR(a b)",
    "NEAR/3",
    "title:diffusion",
    "summary : x",
    "authors : x",
    "{title summary}: x",
    "author:",
    'author:"',
    "tag:",
    "-tag:",
    "*",
    "a*",
    "x:*",
    "x:*A",
    "^start",
    "a & b | !c <-> d",
    "'; DROP TABLE papers_paper; --",
    "(((",
    ")))",
    "\x00nul\x00",
    "tab\tnew\nline",
    "emoji 🤖 robots",
    "snake_case_word",
    "ça va ß ﬁ ²",
    "x" * 500,
    " ".join(["word"] * 200),
    " ".join(f"w{i}" for i in range(200)),
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_compiles_to_plain_words(text):
    query = parse_query(text)
    if not query.clauses:
        return
    fts5 = to_fts5(query.clauses, query.excluded)
    tsquery = to_tsquery(query.clauses, query.excluded)
    # Only words, quotes the compiler wrote, and its own operators.
    for term in (*query.positive_terms, *query.excluded):
        for word in term.words:
            assert word.replace(".", "").isalnum()
    assert fts5.count('"') % 2 == 0
    assert "\x00" not in fts5 + tsquery


def test_input_without_a_word_is_an_empty_query():
    for text in ['( - " *', "", "   ", "-", "OR"]:
        assert not parse_query(text)


def test_highlight_words_are_the_unscoped_positive_ones():
    query = parse_query('"world model" -survey author:hopper robo')
    assert highlight_words(query) == ("world", "model", "robo")
