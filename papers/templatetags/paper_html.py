"""`{% paper_card paper %}` and `{% paper_row paper %}`: a paper in a result list.

The markup is built by papers.paper_html; the reader's controls stay templates
(papers/_paper_actions.html on a card, papers/_bookmark_button.html on a row), rendered
here with the page's context, so the bookmark and dismiss views answer with the same
buttons.
"""

from __future__ import annotations

import datetime

from django import template
from django.utils.safestring import SafeString, mark_safe

from papers import paper_html

register = template.Library()


def _render(context: template.Context, name: str, paper) -> str:
    with context.push(paper=paper):
        return context.template.engine.get_template(name).render(context)


@register.simple_tag(takes_context=True)
def paper_card(
    context: template.Context, paper, on_day: datetime.date | None = None
) -> SafeString:
    """The card of `paper`, with the searched words (`search_highlight` in the
    context) marked; `on_day` is the day heading the list (day and week pages)."""
    html = paper_html.paper_card(
        paper,
        words=context.get("search_highlight") or (),
        on_day=on_day,
        actions=_render(context, "papers/_paper_actions.html", paper),
    )
    return mark_safe(html)  # noqa: S308 - papers.paper_html escapes every value


@register.simple_tag(takes_context=True)
def paper_row(context: template.Context, paper) -> SafeString:
    """The compact row of `paper`."""
    html = paper_html.paper_row(
        paper,
        words=context.get("search_highlight") or (),
        bookmark_button=_render(context, "papers/_bookmark_button.html", paper),
    )
    return mark_safe(html)  # noqa: S308 - papers.paper_html escapes every value
