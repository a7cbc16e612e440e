"""`{% paper_card paper %}` and `{% paper_row paper %}`: a paper in a result list;
`{% reader_buttons paper %}`, `{% bookmark_button paper %}` and
`{% dismiss_button paper %}`: the reader's buttons, which the bookmark and dismiss
views also answer with.

The markup is built by papers.paper_html. A card's actions stay a template
(papers/_paper_actions.html: on "My bookmarks" it adds the status, note and lists).
"""

from __future__ import annotations

import datetime

from django import template
from django.utils.safestring import SafeString, mark_safe

from papers import paper_html
from papers.models import Paper

register = template.Library()


def _signed_in(context: template.Context) -> bool:
    user = context.get("user")
    return bool(user and user.is_authenticated)


def _render(context: template.Context, name: str, paper: Paper) -> str:
    with context.push(paper=paper):
        return context.template.engine.get_template(name).render(context)


@register.simple_tag(takes_context=True)
def paper_card(
    context: template.Context, paper: Paper, on_day: datetime.date | None = None
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
def paper_row(context: template.Context, paper: Paper) -> SafeString:
    """The compact row of `paper`."""
    html = paper_html.paper_row(
        paper,
        words=context.get("search_highlight") or (),
        signed_in=_signed_in(context),
    )
    return mark_safe(html)  # noqa: S308 - papers.paper_html escapes every value


@register.simple_tag(takes_context=True)
def reader_buttons(context: template.Context, paper: Paper) -> SafeString:
    html = paper_html.reader_buttons(paper, signed_in=_signed_in(context))
    return mark_safe(html)  # noqa: S308 - papers.paper_html escapes every value


@register.simple_tag(takes_context=True)
def bookmark_button(context: template.Context, paper: Paper) -> SafeString:
    html = paper_html.bookmark_button(paper, signed_in=_signed_in(context))
    return mark_safe(html)  # noqa: S308 - papers.paper_html escapes every value


@register.simple_tag
def dismiss_button(paper: Paper) -> SafeString:
    return mark_safe(paper_html.dismiss_button(paper))  # noqa: S308
