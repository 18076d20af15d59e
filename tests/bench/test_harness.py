"""The benchmark's own pieces that can break silently: percentiles, the bounded timing loop,
the target verdicts in the report, and the widget values the websocket client sends back."""

from __future__ import annotations

from pathlib import Path

from streamlit.proto.Block_pb2 import Block
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench import report
from bench.timing import measure, percentile
from bench.ws_client import _remember, _remember_block


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert percentile([10.0, 20.0], 95) == 19.5
    assert percentile([7.0], 95) == 7.0


def test_measure_stops_after_max_seconds_with_at_least_min_repeat() -> None:
    calls: list[int] = []
    stats = measure(lambda: calls.append(1), repeat=1000, warmup=2, max_seconds=0, min_repeat=5)
    assert stats.n == 5
    assert len(calls) == 7  # two untimed warm-up calls


def _stats(median: float, p95: float | None = None) -> dict[str, float]:
    return {"n": 20, "median_ms": median, "p95_ms": p95 or median, "min_ms": median}


def _results(parent_ms: float, ledger_ms: float) -> dict:
    pages = {name: {"warm": _stats(parent_ms, parent_ms * 1.5)} for name in report.PARENT_PAGES}
    return {
        "machine": {
            "cores": 2,
            "cpu": "test",
            "memory_gb": 1,
            "python": "3.11",
            "streamlit": "1.67",
            "sqlite": "3",
            "commit": "abc",
            "load_average_start": [0, 0, 0],
        },
        "started_at": "2026-12-01T20:00:00+00:00",
        "calibration": {"empty_app_rerun": _stats(2), "ledger_sql/sqlite/small": _stats(0.1)},
        "databases": {},
        "services": {
            "sqlite/small": {
                report.LEDGER: _stats(ledger_ms),
                report.LEDGER_SQL: _stats(1.0),
            }
        },
        "pages": {"sqlite/small": pages},
    }


def _verdicts(results: dict) -> dict[str, bool | None]:
    return {t["metric"]: t["met"] for t in report.evaluate(results)}


def test_targets_met_and_missed() -> None:
    good = _verdicts(_results(parent_ms=20, ledger_ms=1.5))
    assert good["parent page warm rerun (sqlite/small)"] is True
    assert good["family ledger service (sqlite/small)"] is True
    assert good["family ledger service ÷ raw SQL (sqlite/small)"] is True
    bad = _verdicts(_results(parent_ms=60, ledger_ms=4.0))
    assert bad["parent page warm rerun (sqlite/small)"] is False
    assert bad["family ledger service (sqlite/small)"] is False
    assert bad["family ledger service ÷ raw SQL (sqlite/small)"] is False


def test_report_files_are_written(tmp_path: Path) -> None:
    written = report.write(_results(parent_ms=20, ledger_ms=1.5), tmp_path)
    assert [p.name for p in written] == ["latest.json", "2026-12-01.json", "latest.md"]
    text = (tmp_path / "latest.md").read_text()
    assert "| parent page warm rerun (sqlite/small) |" in text
    assert "| parent: Home | warm | 20.0 / 30.0 (×10.0) |" in text


def _selectbox(widget_id: str, options: list[str], default: int) -> Element:
    element = Element()
    element.selectbox.id = widget_id
    element.selectbox.options.extend(options)
    element.selectbox.default = default
    return element


def test_a_new_widget_is_sent_back_at_its_default_and_keeps_what_was_shown() -> None:
    drawn: dict[str, WidgetState] = {}
    _remember(_selectbox("w1", ["Northside", "Riverside"], 1), {}, drawn)
    assert drawn["w1"].string_value == "Riverside"
    shown = {"w1": WidgetState(id="w1", string_value="Northside")}
    again: dict[str, WidgetState] = {}
    _remember(_selectbox("w1", ["Northside", "Riverside"], 1), shown, again)
    assert again["w1"].string_value == "Northside"  # the browser keeps the user's choice


def test_a_value_set_by_the_script_replaces_what_was_shown() -> None:
    element = Element()
    element.button_group.id = "picker"
    element.button_group.set_value = True
    element.button_group.raw_values.append("Mateo")
    shown = {"picker": WidgetState(id="picker")}
    drawn: dict[str, WidgetState] = {}
    _remember(element, shown, drawn)
    assert list(drawn["picker"].string_array_value.data) == ["Mateo"]


def test_buttons_send_nothing_and_stateful_tabs_send_their_label() -> None:
    drawn: dict[str, WidgetState] = {}
    button = Element()
    button.button.id = "sign_out"
    _remember(button, {}, drawn)
    assert drawn == {}
    block = Block()
    block.tab_container.id = "tabs"
    block.tab_container.default_tab_label = "Attendance"
    _remember_block(block, {}, drawn)
    assert drawn["tabs"].string_value == "Attendance"
