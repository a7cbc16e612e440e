"""What a walk through the site as a new reader found, checked in a real browser."""

import re

from playwright.sync_api import Page, expect

TEMPLATE_SYNTAX = ("{#", "#}", "{%", "{{")


def test_no_template_comment_shows_on_the_list_page(page: Page, live_server):
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/?tag=Multimodal")
        text = page.locator("body").inner_text()
        assert not [syntax for syntax in TEMPLATE_SYNTAX if syntax in text], width


def option_labels(page: Page, facet: str) -> list[str]:
    return [
        label.strip()
        for label in page.locator(f"#facet-{facet} .facet-label").all_inner_texts()
    ]


def test_code_and_hugging_face_options_stay_in_one_order(page: Page, live_server):
    page.goto("/")
    expected = {
        "has_code": ["Either", "With code", "Without code"],
        "has_hf": ["Either", "With Hugging Face links", "Without Hugging Face links"],
    }
    # The sample has more papers without code than with; after choosing "with
    # code", more of the remaining papers have Hugging Face links than not.
    for facet, labels in expected.items():
        assert option_labels(page, facet) == labels
    page.locator("#facet-has_code").get_by_label("With code").check()
    expect(page).to_have_url(re.compile(r"has_code=1"))
    for facet, labels in expected.items():
        assert option_labels(page, facet) == labels
