"""Turn a digest summary into its points, for showing it as a bullet list.

The digests write a summary's points in several ways: the JSON puts each `- ` (or `• `)
point on its own line; the markdown table has the same text with the line breaks turned
into spaces, so its points run on as `... first point. - Second point. - ...`; some
summaries start with a point that has no marker at all; many are plain prose. Pure:
templates and the API call it on the stored text.
"""

import re

# A point starts at the beginning of the text or of a line, or, inline, right after
# the end of a sentence: " - " elsewhere is a dash inside a sentence ("5 - 3", "GPT-4 -
# a model" never splits because the dash must follow a sentence end).
_MARKER = re.compile(
    r"""
    (?:^|\n)[ \t]*[-•*][ \t]+        # a marker at the start of a line
    | (?<=[.!?)"'\]])\s+[-•][ \t]+   # or inline, after the end of a sentence
    """,
    re.VERBOSE,
)
_SPACES = re.compile(r"\s+")


def split_summary(text: str) -> list[str]:
    """The summary's points in order, each with its whitespace collapsed.

    Prose without markers comes back as a single point; an empty summary as [].
    """
    points = (_SPACES.sub(" ", part).strip() for part in _MARKER.split(text))
    return [point for point in points if point]
