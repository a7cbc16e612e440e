from django import template
from django.utils.safestring import SafeString

from papers.highlight import highlight

register = template.Library()


@register.simple_tag(takes_context=True)
def highlighted(context: template.Context, text: str) -> SafeString:
    """`{% highlighted paper.title %}`: escaped, with the words of the current search
    (`search_highlight` in the context, set by the list views) in <mark>; pages
    without a search just escape."""
    return highlight(str(text), context.get("search_highlight") or ())
