"""What a walk through the site as a new reader found, checked in a real browser."""


from playwright.sync_api import Page

TEMPLATE_SYNTAX = ("{#", "#}", "{%", "{{")


def test_no_template_comment_shows_on_the_list_page(page: Page, live_server):
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/?tag=Multimodal")
        text = page.locator("body").inner_text()
        assert not [syntax for syntax in TEMPLATE_SYNTAX if syntax in text], width
