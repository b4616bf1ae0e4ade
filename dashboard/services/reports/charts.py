"""The report's charts as SVG drawn on the server with pygal: no JavaScript needed.

Pages show them as images (``<img src="/reports/hours.svg?…">``), so the
page's strict Content-Security-Policy is untouched. pygal's output is made
fit for that:

* its ``<script>`` elements (interactive tooltips) and the tooltip layer are
  removed: an SVG image runs no script anyway;
* its one ``<style>`` element stays; ``Chart.style_hash`` is the CSP hash the
  SVG response allows it by (``style-src 'sha256-…'``), nothing inline else;
* the root gets ``role="img"`` and ``aria-labelledby`` its ``<title>`` and a
  ``<desc>`` saying what is drawn; the numbers are also in the page's tables.

Each bar or point keeps pygal's ``<desc class="value">`` with the number the
table shows (two decimals), which is what the tests compare.
"""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pygal
from pygal.style import Style

from dashboard.services.reports.figures import Line, Report
from dashboard.services.reports.tables import hours_text, rate_text

#: Series drawn by name in the stacked chart; the rest share one "others" series.
MAX_SERIES = 8
SVG_NS = "http://www.w3.org/2000/svg"

ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")

#: Colour-blind-safe series colours (Okabe–Ito).
OKABE_ITO = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9",
    "#D55E00", "#F0E442", "#000000", "#999999",
)  # fmt: skip
_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    title_font_size=18,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    colors=OKABE_ITO,
)


@dataclass(frozen=True)
class Chart:
    """An SVG document and the CSP hash of its one ``<style>`` element."""

    svg: str
    style_hash: str

    @property
    def content_security_policy(self) -> str:
        """The policy the SVG response carries: its own style, nothing else at all."""
        return f"default-src 'none'; style-src '{self.style_hash}'; frame-ancestors 'none'"


def _config(name: str, title: str) -> dict[str, object]:
    return {
        "title": title,
        "style": _STYLE,
        "js": [],
        "width": 800,
        "height": 420,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3,
        "x_label_rotation": 30,
        "print_zeroes": False,
        "truncate_legend": 30,
        "no_data_text": "No sessions",
        "disable_xml_declaration": True,
        "_uuid": name,
    }


def _make(kind: type, name: str, title: str, **extra: object) -> pygal.graph.graph.Graph:
    config = {**_config(name, title), **extra}
    chart_id = config.pop("_uuid")
    chart = kind(**config)
    chart.uuid = chart_id  # a fixed id: the same data always gives the same SVG
    return chart


def _finish(chart: pygal.graph.graph.Graph, name: str, description: str) -> Chart:
    """Render, strip scripts and tooltips, add the accessible name and description."""
    root = ET.fromstring(chart.render(is_unicode=True))
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
            if tag == "script" or child.get("style") is not None:
                parent.remove(child)
    title = root.find(f"{{{SVG_NS}}}title")
    assert title is not None, "pygal always writes a <title>"
    title.set("id", f"{name}-title")
    desc = ET.Element(f"{{{SVG_NS}}}desc", {"id": f"{name}-desc"})
    desc.text = description
    root.insert(list(root).index(title) + 1, desc)
    root.set("role", "img")
    root.set("aria-labelledby", f"{name}-title {name}-desc")
    style = root.find(f"{{{SVG_NS}}}defs/{{{SVG_NS}}}style")
    css = (style.text or "") if style is not None else ""
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    svg = ET.tostring(root, encoding="unicode")
    return Chart(svg=svg, style_hash=f"sha256-{digest}")


def _period(report: Report) -> str:
    query = report.query
    return f"{query.date_from.isoformat()} to {query.date_to.isoformat()}"


def stacked_series(
    lines: list[Line], minutes_of: dict[int, dict[str, int]], weeks: list[str], others: str
) -> list[tuple[str, list[float]]]:
    """(name, hours per week) of the ``MAX_SERIES`` biggest lines, then one for the rest."""
    ranked = sorted(lines, key=lambda line: (-line.tally.taught_minutes, line.name, line.id))
    ranked = [line for line in ranked if line.tally.taught_minutes > 0]
    shown, rest = ranked[:MAX_SERIES], ranked[MAX_SERIES:]
    if len(rest) == 1:
        shown, rest = ranked, []
    series = [
        (line.name, [minutes_of.get(line.id, {}).get(week, 0) / 60 for week in weeks])
        for line in shown
    ]
    if rest:
        series.append(
            (
                f"{len(rest)} {others}",
                [
                    sum(minutes_of.get(line.id, {}).get(week, 0) for line in rest) / 60
                    for week in weeks
                ],
            )
        )
    return series


def hours_chart(report: Report, stack: str) -> Chart:
    """Hours taught per ISO week, stacked by tutor (or by course)."""
    weeks = [week.label for week in report.weeks]
    if stack == "course":
        series = stacked_series(report.courses, report.course_weeks, weeks, "other courses")
    else:
        series = stacked_series(report.tutors, report.tutor_weeks, weeks, "other tutors")
    chart = _make(
        pygal.StackedBar,
        "hours-chart",
        f"Hours taught per week by {stack}",
        value_formatter=hours_text,
    )
    chart.x_labels = weeks
    for name, values in series:
        chart.add(name, [round(value, 2) for value in values])
    total = report.total.taught_hours
    description = (
        f"Stacked bars, one per ISO week from {_period(report)}: hours taught, split by "
        f"{stack}. {hours_text(total)} hours in all."
    )
    return _finish(chart, "hours-chart", description)


def attendance_chart(report: Report) -> Chart:
    """Student attendance rate (present or late, among sessions taken) per ISO week."""
    weeks = [week.label for week in report.weeks]
    rates = []
    for week in weeks:
        tally = report.per_week.get(week)
        rate = tally.attendance_rate if tally else None
        rates.append(None if rate is None else round(rate * 100, 1))
    chart = _make(
        pygal.Line,
        "attendance-chart",
        "Attendance rate per week (%)",
        range=(0, 100),
        allow_interruptions=True,
        show_legend=False,
        value_formatter=lambda value: f"{value:.1f}",
        no_data_text="No attendance taken",
    )
    chart.x_labels = weeks
    chart.add("Attendance rate (%)", rates)
    description = (
        f"A line over the ISO weeks from {_period(report)}: the share of sessions "
        f"attended (present or late) among those with attendance taken, "
        f"{rate_text(report.total.attendance_rate) or 'none'} % over the whole range."
    )
    return _finish(chart, "attendance-chart", description)
