from papers.summaries import split_summary


def test_json_summary_points_on_their_own_lines_become_a_list():
    text = " - First point.\n - Second point.\n -  Third point."
    assert split_summary(text) == ["First point.", "Second point.", "Third point."]


def test_markdown_summary_points_run_on_in_one_line_are_split():
    text = " - First point. - Second point (with GPT-4). -  Third point."
    assert split_summary(text) == [
        "First point.",
        "Second point (with GPT-4).",
        "Third point.",
    ]


def test_a_first_point_without_a_marker_is_kept():
    text = "Intro sentence. - The authors show it. - It works."
    assert split_summary(text) == [
        "Intro sentence.",
        "The authors show it.",
        "It works.",
    ]


def test_bullet_characters_are_markers_too():
    text = "• One thing.\n• Another thing."
    assert split_summary(text) == ["One thing.", "Another thing."]


def test_a_dash_inside_a_sentence_does_not_split():
    text = "Scores rise from 5 - 3 to GPT-4 - level results, state-of-the-art."
    assert split_summary(text) == [text]


def test_prose_is_one_point_with_whitespace_collapsed():
    assert split_summary("One  sentence.\nAnother  one.") == [
        "One sentence. Another one."
    ]


def test_an_empty_summary_has_no_points():
    assert split_summary("") == []
    assert split_summary("  \n ") == []
