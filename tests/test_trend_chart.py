"""The trends charts' geometry (papers.trend_chart), without a database."""

import pytest

from papers import trend_chart
from papers.trend_chart import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH


@pytest.mark.parametrize(
    ("largest", "step"), [(0, 1), (1, 1), (4, 1), (5, 2), (9, 5), (17, 5), (130, 50)]
)
def test_axis_steps_are_one_two_or_five_times_a_power_of_ten(largest, step):
    assert trend_chart.nice_step(largest) == step


def test_a_line_runs_from_the_baseline_to_the_top_of_its_axis():
    chart = trend_chart.line_chart(
        ["Jan", "Feb", "Mar"], [("Robotics", (0, 2, 4)), ("Agents", (1, 1, 1))]
    )
    robotics, agents = chart.lines
    ys = [dot.y for dot in robotics.dots]
    assert ys[0] == HEIGHT - BOTTOM  # zero papers sit on the baseline
    assert ys[2] == TOP  # the largest count reaches the top tick
    assert [dot.x for dot in robotics.dots] == [
        LEFT,
        (LEFT + WIDTH - RIGHT) / 2,
        WIDTH - RIGHT,
    ]
    assert robotics.points == " ".join(f"{d.x},{d.y}" for d in robotics.dots)
    assert [tick.label for tick in chart.ticks] == ["0", "1", "2", "3", "4"]
    assert robotics.dots[1].title == "Robotics, Feb: 2 papers"
    assert agents.dots[0].title == "Agents, Jan: 1 paper"
    assert (robotics.css_class, agents.css_class) == ("series-0", "series-1")


def test_a_single_period_sits_in_the_middle():
    chart = trend_chart.line_chart(["Jan"], [("Robotics", (3,))])
    assert chart.lines[0].dots[0].x == LEFT + (WIDTH - LEFT - RIGHT) / 2


def test_long_ranges_label_at_most_eight_periods_under_the_axis():
    labels = [f"W{n}" for n in range(30)]
    chart = trend_chart.line_chart(
        labels, [("A", tuple(range(30)))], axis_labels=[f"S{n}" for n in range(30)]
    )
    assert 1 < len(chart.x_labels) <= trend_chart.MAX_X_LABELS
    assert chart.x_labels[0].label == "S0"
    # Titles keep the long label.
    assert chart.lines[0].dots[5].title == "A, W5: 5 papers"


def test_share_bars_are_as_tall_as_their_share_and_periods_without_papers_have_none():
    chart = trend_chart.share_chart(["Jan", "Feb", "Mar"], [1.0, None, 0.25])
    full, quarter = chart.bars
    plot = HEIGHT - TOP - BOTTOM
    assert full.height == plot and full.y == TOP
    assert quarter.height == plot / 4
    assert quarter.title == "Mar: 25% with code"
    assert full.x < quarter.x
    assert [tick.label for tick in chart.ticks] == ["0%", "50%", "100%"]
