"""The results files: bench/results/latest.json, a dated copy, and latest.md (tables with
medians, p95 and ratios to the calibration, and where each target of issue 8 stands)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from bench import browser_report

PARENT_PAGES = (
    "parent: Home",
    "parent: Students",
    "parent: Attendance",
    "parent: Transactions",
    "parent: Billing",
)
ANALYTICS_PAGE = "staff: Attendance analytics (one location, last 12 weeks)"
ANALYTICS_DATA = "analytics page data, one location and term (6 queries)"
LEDGER = "family ledger, parent, last 30 days"
LEDGER_SQL = "raw SQL: family ledger, last 30 days"
LEDGER_LIMIT_MS = {"sqlite": 2.0, "postgresql": 5.0}


def write(results: dict[str, Any], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    results["targets"] = evaluate(results)
    text = json.dumps(results, indent=1, default=str) + "\n"
    day = results["started_at"][:10] if "started_at" in results else date.today().isoformat()
    paths = [folder / "latest.json", folder / f"{day}.json", folder / "latest.md"]
    paths[0].write_text(text)
    paths[1].write_text(text)
    paths[2].write_text(markdown(results))
    return paths


# -- targets ---------------------------------------------------------------------------------


def _target(metric: str, target: str, measured: str, met: bool | None) -> dict[str, Any]:
    return {"metric": metric, "target": target, "measured": measured, "met": met}


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    pages = results.get("pages", {})
    services = results.get("services", {})
    for key, by_page in pages.items():
        warm = [
            (name, by_page[name]["warm"])
            for name in PARENT_PAGES
            if "warm" in by_page.get(name, {})
        ]
        if not warm:
            continue
        worst_median = max(warm, key=lambda item: item[1]["median_ms"])
        worst_p95 = max(warm, key=lambda item: item[1]["p95_ms"])
        met = all(w["median_ms"] <= 50 and w["p95_ms"] <= 80 for _, w in warm)
        out.append(
            _target(
                f"parent page warm rerun ({key})",
                "≤ 50 ms median, ≤ 80 ms p95, every parent page",
                f"slowest median {_ms(worst_median[1]['median_ms'])} ({_short(worst_median[0])}), "
                f"slowest p95 {_ms(worst_p95[1]['p95_ms'])} ({_short(worst_p95[0])})",
                met,
            )
        )
    compared = results.get("scale_ratio", {})
    if compared.get("scales") == ["small", "franchise"]:
        ratios = [
            (name, by["franchise"]["median_ms"] / by["small"]["median_ms"])
            for name, by in compared["pages"].items()
        ]
        name, worst = max(ratios, key=lambda item: item[1])
        out.append(
            _target(
                "parent page franchise ÷ small (SQLite, warm reruns in alternating rounds)",
                "≤ 1.2",
                f"worst {worst:.2f} ({_short(name)}); "
                + ", ".join(f"{_short(n)} {r:.2f}" for n, r in ratios),
                worst <= 1.2,
            )
        )
    franchise_pages = pages.get("sqlite/franchise", {})
    franchise_services = services.get("sqlite/franchise", {})
    term = franchise_pages.get(ANALYTICS_PAGE, {}).get("choose this term")
    data = franchise_services.get(ANALYTICS_DATA)
    if term or data:
        parts = []
        if term:
            parts.append(f"page rerun for this term {_ms(term['median_ms'])}")
        if data:
            parts.append(f"its six queries {_ms(data['median_ms'])}")
        met = (term or data)["median_ms"] <= 200
        out.append(
            _target(
                "staff attendance analytics, one location and term, franchise (SQLite)",
                "≤ 200 ms",
                ", ".join(parts),
                met,
            )
        )
    for key, cases in services.items():
        backend = key.split("/")[0]
        if LEDGER not in cases or LEDGER_SQL not in cases:
            continue
        ledger, sql = cases[LEDGER]["median_ms"], cases[LEDGER_SQL]["median_ms"]
        limit = LEDGER_LIMIT_MS[backend]
        name = f"family ledger service ({key})"
        out.append(_target(name, f"≤ {limit:g} ms", _ms(ledger), ledger <= limit))
        out.append(
            _target(
                f"family ledger service ÷ raw SQL ({key})",
                "≤ 3×",
                f"{ledger / sql:.0f}× (raw SQL {_ms(sql)})",
                ledger <= 3 * sql,
            )
        )
    if services:
        key = _largest(services)
        cases = services[key]
        pdf = [cases.get(f"statement PDF, {n}") for n in ("1 page", "3 pages")]
        csv = [cases.get(f"statement CSV, {n} of lines") for n in ("1 page", "3 pages")]
        if all(pdf) and all(csv):
            worst_pdf = max(p["median_ms"] for p in pdf if p)
            worst_csv = max(c["median_ms"] for c in csv if c)
            out.append(
                _target(
                    f"statement PDF, 1–3 pages ({key})",
                    "≤ 50 ms",
                    f"{_ms(pdf[0]['median_ms'])} (1 page), {_ms(pdf[1]['median_ms'])} (3 pages)",
                    worst_pdf <= 50,
                )
            )
            out.append(
                _target(
                    f"statement CSV, 1–3 pages ({key})",
                    "≤ 5 ms",
                    f"{_ms(csv[0]['median_ms'])} (1 page), {_ms(csv[1]['median_ms'])} (3 pages)",
                    worst_csv <= 5,
                )
            )
    server = results.get("server")
    if server and "capacity" in server:
        capacity = server["capacity"]
        out.append(
            _target(
                f"server capacity, one process ({server['scale']}, SQLite)",
                "≥ 40 parent reruns/s; p95 ≤ 500 ms with 10 sessions clicking continuously",
                f"{capacity['reruns_per_second']} reruns/s, p95 {_ms(capacity.get('p95_ms', 0))}",
                capacity["reruns_per_second"] >= 40 and capacity.get("p95_ms", 1e9) <= 500,
            )
        )
    if server and "memory" in server:
        memory = server["memory"]
        out.append(
            _target(
                "memory",
                "≤ 1 MB per idle session; ≤ 5 % RSS growth after 1,000 sessions",
                f"{memory['rss_per_idle_session_mb']:.2f} MB per idle session; "
                f"{memory['rss_growth_percent']:+.1f} % ({memory['rss_before_mb']:.0f} → "
                f"{memory['rss_after_ttl_mb']:.0f} MB), then "
                f"{memory['second_thousand_growth_percent']:+.1f} % after a second thousand",
                memory["rss_per_idle_session_mb"] <= 1 and memory["rss_growth_percent"] <= 5,
            )
        )
    franchise = results.get("databases", {}).get("sqlite/franchise")
    if franchise:
        out.append(
            _target(
                "franchise demo build (SQLite)",
                "minutes, reported",
                f"{franchise['build_seconds'] / 60:.1f} min, {franchise['rows']:,} rows, "
                f"{franchise['size_bytes'] / 1e9:.2f} GB (built {franchise['built_on']})",
                franchise["build_seconds"] < 3600,
            )
        )
    for part in browser_report.parts_by_scale(results):
        out += browser_report.evaluate(part)
    return out


def _largest(by_key: dict[str, Any]) -> str:
    order = {"small": 0, "large": 1, "franchise": 2}
    sqlite = [k for k in by_key if k.startswith("sqlite/")] or list(by_key)
    return max(sqlite, key=lambda k: order.get(k.split("/")[1], -1))


# -- markdown --------------------------------------------------------------------------------


def _ms(value: float) -> str:
    if value >= 100:
        return f"{value:.0f} ms"
    if value >= 10:
        return f"{value:.1f} ms"
    return f"{value:.2f} ms"


def _short(page: str) -> str:
    return page.split(": ", 1)[-1]


def _cell(stats: dict[str, Any] | None, unit: float | None) -> str:
    if not stats:
        return "–"
    if "error" in stats:
        return "error"
    text = f"{_num(stats['median_ms'])} / {_num(stats['p95_ms'])}"
    if unit:
        text += f" (×{stats['median_ms'] / unit:.1f})"
    return text


def _num(value: float) -> str:
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def markdown(results: dict[str, Any]) -> str:
    machine = results["machine"]
    lines = [
        f"# Cartwheel benchmark — {results.get('started_at', '')[:10]}",
        "",
        f"`make bench` on {machine['cores']} cores ({machine['cpu']}), {machine['memory_gb']} GB, "
        f"Python {machine['python']}, Streamlit {machine['streamlit']}, SQLite "
        f"{machine['sqlite']}"
        + (f", {machine['postgresql']}" if machine.get("postgresql") else "")
        + f"; commit {machine['commit']}. The run took {results.get('seconds', 0) / 60:.1f} min. "
        f"Load average at the start {_load(machine['load_average_start'])}, at the end "
        f"{_load(machine.get('load_average_end'))}: other work on the machine shows in every "
        "number, so compare the ratios to the calibration (×SQL, ×app) more than the "
        "milliseconds.",
        "",
        "Times are median / p95 in milliseconds. See docs/performance.md for the method.",
        "",
        "## Targets",
        "",
        "| metric | target | measured | met |",
        "|---|---|---|---|",
    ]
    for t in results.get("targets", []):
        met = "yes" if t["met"] else "**no**" if t["met"] is False else "–"
        lines.append(f"| {t['metric']} | {t['target']} | {t['measured']} | {met} |")
    lines += ["", "## Calibration", "", "| what | median / p95 |", "|---|---|"]
    for name, stats in results.get("calibration", {}).items():
        lines.append(f"| {name} | {_cell(stats, None)} |")
    lines += [
        "",
        "## Demo databases",
        "",
        "| database | rows | SQLite file | build | this run |",
        "|---|---|---|---|---|",
    ]
    for key, db in results.get("databases", {}).items():
        size = f"{db['size_bytes'] / 1e6:,.0f} MB" if db["size_bytes"] else "–"
        used = "built" if db["built_now"] else "reused from bench/.cache"
        lines.append(
            f"| {key} | {db['rows']:,} | {size} | {db['build_seconds']:.0f} s "
            f"({db['built_on']}) | {used} |"
        )
    services = results.get("services", {})
    if services:
        keys = list(services)
        lines += [
            "",
            "## Services",
            "",
            "A new session per call, as a page run opens one. (×SQL): the median over the raw "
            "ledger SQL calibration (every entry of the demo family, driver only) on the same "
            "database.",
            "",
            "| service | " + " | ".join(keys) + " |",
            "|---|" + "---|" * len(keys),
        ]
        names = list(dict.fromkeys(n for k in keys for n in services[k]))
        for name in names:
            cells = []
            for key in keys:
                unit = results["calibration"].get(f"ledger_sql/{key}", {}).get("median_ms")
                cells.append(_cell(services[key].get(name), unit))
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    pages = results.get("pages", {})
    if pages:
        keys = list(pages)
        app = results["calibration"].get("empty_app_rerun", {}).get("median_ms")
        lines += [
            "",
            "## Pages (AppTest)",
            "",
            "First run of a new browser session, then 20 warm reruns, then each interaction "
            "(done and undone 5 times). (×app): the median over an empty Streamlit app's "
            "AppTest rerun.",
            "",
            "| page | run | " + " | ".join(keys) + " |",
            "|---|---|" + "---|" * len(keys),
        ]
        titles = list(dict.fromkeys(t for k in keys for t in pages[k]))
        for title in titles:
            runs = list(dict.fromkeys(r for k in keys for r in pages[k].get(title, {})))
            for run in runs:
                cells = [_cell(pages[k].get(title, {}).get(run), app) for k in keys]
                lines.append(f"| {title} | {run} | " + " | ".join(cells) + " |")
    compared = results.get("scale_ratio")
    if compared:
        first, last = compared["scales"]
        lines += [
            "",
            f"### Parent pages, {last} against {first}",
            "",
            "Warm reruns of the same pages on both databases in alternating rounds (4 rounds "
            "of 10 each), so the ratio is not moved by the machine's load changing between "
            "the two parts of the run.",
            "",
            f"| page | {first} | {last} | {last} ÷ {first} |",
            "|---|---|---|---|",
        ]
        for title, by in compared["pages"].items():
            ratio = by[last]["median_ms"] / by[first]["median_ms"]
            lines.append(
                f"| {title} | {_cell(by[first], None)} | {_cell(by[last], None)} | {ratio:.2f} |"
            )
    server = results.get("server")
    if server:
        app = results["calibration"].get("empty_app_rerun", {}).get("median_ms")
        lines += [
            "",
            f"## Server under load (SQLite, {server['scale']})",
            "",
            f"`streamlit run` started in {server['start_ms']} ms; first page "
            f"{server['first_page_ms']} ms; RSS after start-up {server['rss_after_start_mb']} MB.",
            "",
            "RSS is the server's while the level's sessions are connected; sessions of earlier "
            "levels are still held for Streamlit's disconnected-session TTL (120 s), so RSS per "
            "session comes from the memory test below, on a fresh server.",
            "",
            "| sessions | think time | reruns/s | p50 | p95 | max | errors | RSS | server CPU |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        rows = [*server.get("levels", [])]
        for name in ("capacity", "capacity_postScriptGC_true"):
            if name in server:
                rows.append({**server[name], "label": name})
        for level in rows:
            think = level.get("think_seconds")
            label = f"{think[0]:g}–{think[1]:g} s" if think else "none"
            if level.get("label") == "capacity_postScriptGC_true":
                label += " (postScriptGC=true)"
            lines.append(
                f"| {level['sessions']} | {label} | {level['reruns_per_second']} | "
                f"{level.get('p50_ms', '–')} | {level.get('p95_ms', '–')} | "
                f"{level.get('max_ms', '–')} | {level['errors']} | {level['rss_mb']} MB | "
                f"{level['server_cpu_seconds']} s in {level['seconds']} s |"
            )
        memory = server.get("memory")
        if memory:
            lines += [
                "",
                f"Memory (a fresh server): {memory['rss_before_mb']} MB after warm-up; "
                f"{memory['rss_with_idle_sessions_mb']} MB with {memory['idle_sessions']} idle "
                f"sessions ({memory['rss_per_idle_session_mb']} MB each); "
                f"{memory['sessions_opened_and_closed']} sessions opened and closed in "
                f"{memory['churn_seconds']} s ({memory['churn_failures']} failed): "
                f"{memory['rss_right_after_closing_mb']} MB right after, "
                f"{memory['rss_after_ttl_mb']} MB once the disconnected sessions' "
                f"{memory['ttl_wait_seconds']:.0f} s had passed "
                f"({memory['rss_growth_percent']:+.1f} %); after a second "
                f"{memory['sessions_opened_and_closed']}: "
                f"{memory['rss_after_second_thousand_mb']} MB "
                f"({memory['second_thousand_growth_percent']:+.1f} %).",
            ]
        if app:
            lines += ["", f"(An empty app's AppTest rerun took {_ms(app)} in this run.)"]
    for part in browser_report.parts_by_scale(results):  # issue 17: what people wait for
        lines += ["", f"# In the browser, {part['scale']} scale", ""]
        lines += browser_report.section(part, with_targets=False)
    return "\n".join(lines) + "\n"


def _load(values: Any) -> str:
    if not values:
        return "–"
    return " / ".join(f"{v:.1f}" for v in values)


def main() -> int:
    """`python -m bench.report`: write latest.md (and the targets) again from latest.json."""
    folder = Path(__file__).resolve().parent / "results"
    results = json.loads((folder / "latest.json").read_text())
    for path in write(results, folder):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
