from django.template import Context, Template

from papers.highlight import highlight


def test_matching_words_are_marked_ignoring_case_and_endings():
    assert highlight("Robotic robots and a Robot", ["robots"]) == (
        "<mark>Robotic</mark> <mark>robots</mark> and a <mark>Robot</mark>"
    )


def test_a_prefix_marks_the_words_it_starts():
    assert highlight("Diffusion models", ["diffus"]) == "<mark>Diffusion</mark> models"


def test_accents_are_ignored():
    assert highlight("Modèles", ["modeles"]) == "<mark>Modèles</mark>"


def test_text_is_escaped_and_mark_is_the_only_markup_added():
    text = '<script>alert("x")</script> robots & <b>agents</b>'
    marked = highlight(text, ["script", "robots", "b"])
    assert "<script>" not in marked and "<b>" not in marked
    assert marked == (
        "&lt;<mark>script</mark>&gt;alert(&quot;x&quot;)&lt;/<mark>script</mark>&gt; "
        "<mark>robots</mark> &amp; &lt;<mark>b</mark>&gt;agents&lt;/<mark>b</mark>&gt;"
    )


def test_without_words_the_text_is_only_escaped():
    assert highlight("a <i>b</i>", []) == "a &lt;i&gt;b&lt;/i&gt;"


def test_the_template_tag_escapes_and_marks_the_current_search():
    template = Template("{% load search_highlight %}{% highlighted title %}")
    rendered = template.render(
        Context({"title": "<em>World</em> models", "search_highlight": ("world",)})
    )
    assert rendered == "&lt;em&gt;<mark>World</mark>&lt;/em&gt; models"
    assert template.render(Context({"title": "<b>x</b>"})) == "&lt;b&gt;x&lt;/b&gt;"
