"""Mark the searched words in a title or summary: escape first, then add `<mark>`.

Pure. A word matches the tokens that start with it, or with its stem ("robots"
marks "robot" and "robotic"), ignoring case and accents, roughly as the search
itself matched them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_TOKEN = re.compile(r"[^\W_]+")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s", "e", "y")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _stem(word: str) -> str:
    word = _fold(word)
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def highlight(text: str, words: Iterable[str]) -> SafeString:
    """`text` escaped, with each token matching one of `words` in `<mark>`."""
    stems = tuple({_stem(word) for word in words if word})
    if not stems:
        return mark_safe(escape(text))  # noqa: S308 - escaped just now
    parts: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        if _fold(match.group()).startswith(stems):
            parts.append(escape(text[position : match.start()]))
            parts.append(f"<mark>{escape(match.group())}</mark>")
            position = match.end()
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped
