"""Server-side SVG charts: accessible names, escaped labels, and tables that say the same thing."""

import xml.etree.ElementTree as ET

import pytest

from lms.charts import _nice_max, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_a_bar_chart_is_a_named_image_with_a_table():
    chart = bar_chart("c1", "Pass rate", [("Listening", 75.0), ("Validation", None)], label_header="Module",
                      value_header="Rate", max_value=100, unit="%", digits=0, summary="Lowest: Listening.")
    root = ET.fromstring(str(chart.svg))
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").text == "Pass rate" and root.find(f"{SVG}desc").text == "Lowest: Listening."
    assert len(root.findall(f"{SVG}rect")) == 1  # no bar for a missing value
    assert chart.headers == ["Module", "Rate"]
    assert chart.rows == [["Listening", "75%"], ["Validation", "–"]]


def test_bar_lengths_are_proportional_to_the_values():
    chart = bar_chart("c2", "T", [("a", 1.0), ("b", 2.0)], label_header="L", value_header="V", max_value=4)
    widths = [float(rect.get("width")) for rect in ET.fromstring(str(chart.svg)).iter(f"{SVG}rect")]
    assert widths[1] == pytest.approx(2 * widths[0])


def test_labels_are_escaped():
    chart = bar_chart("c3", "<script>", [("<b>&", 1.0)], label_header="L", value_header="V")
    assert "<script>" not in str(chart.svg) and "&lt;b&gt;&amp;" in str(chart.svg)
    ET.fromstring(str(chart.svg))  # still well-formed


def test_a_line_chart_draws_each_series_distinguishably_and_tabulates_them():
    chart = line_chart("c4", "Completion", ["1 Mar", "8 Mar", "15 Mar"],
                       [("Course", [0, 10, 20]), ("Modules", [5, None, 40])],
                       x_header="Week", max_value=100, unit="%")
    root = ET.fromstring(str(chart.svg))
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 2 and lines[0].get("stroke-dasharray") is None and lines[1].get("stroke-dasharray")
    assert chart.headers == ["Week", "Course", "Modules"]
    assert chart.rows[1] == ["8 Mar", "10%", "–"]


@pytest.mark.parametrize(("value", "expected"), [(0, 1), (0.4, 0.5), (3.2, 5), (87, 100), (120, 200), (1000, 1000)])
def test_axis_maximum_is_a_round_number_above_the_data(value, expected):
    assert _nice_max(value) == pytest.approx(expected)
