"""The committed time-grid stylesheet is the one the generator writes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_time_grid_css_is_up_to_date():
    spec = importlib.util.spec_from_file_location(
        "time_grid_css", ROOT / "scripts/time_grid_css.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = (ROOT / "static/css/time-grid.css").read_text()
    assert committed == module.generate(), "run: .venv/bin/python scripts/time_grid_css.py"


def test_every_class_the_calendar_uses_exists():
    css = (ROOT / "static/css/time-grid.css").read_text()
    for name in ("tg-start-0", "tg-start-287", "tg-span-1", "tg-span-288", "tg-day-7", "from-h23"):
        assert f".{name} " in css or f".{name}." in css or f"{name} {{" in css, name
    assert ".tg-day-3.tg-lane-4-of-4 " in css
