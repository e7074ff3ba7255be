"""Figures from the runs: percentiles, the table on stdout, the JSON file."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.consumer_throughput import ThroughputResult
from bench.notice_fanout import FanoutResult
from bench.roster_import import ImportResult
from bench.slice_latency import Sample, SliceResult

PERCENTILES = (50, 95, 99)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation): a value that was actually observed."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(values_s: Sequence[float]) -> dict[str, float] | None:
    if not values_s:
        return None
    ms = [v * 1000 for v in values_s]
    out = {f"p{p}": round(percentile(ms, p), 1) for p in PERCENTILES}
    out["max"] = round(max(ms), 1)
    out["min"] = round(min(ms), 1)
    out["mean"] = round(sum(ms) / len(ms), 1)
    out["n"] = len(ms)
    return out


# Each stage: (key, label, start attribute, end attribute)
STAGES = (
    ("end_to_end", "POST sent -> notification seen by poller", "sent", "seen"),
    (
        "to_notify_handler",
        "POST sent -> notify handler (created_at, no polling)",
        "sent",
        "created_at",
    ),
    ("http_response", "POST sent -> 201 received", "sent", "responded"),
    ("to_requests_handler", "POST sent -> requests handler (submitted_at)", "sent", "submitted_at"),
    (
        "requests_to_stream",
        "requests handler -> event stored in JetStream",
        "submitted_at",
        "stream_at",
    ),
    (
        "stream_to_notify",
        "event in JetStream -> notify handler (created_at)",
        "stream_at",
        "created_at",
    ),
    ("notify_to_seen", "notify handler -> poller saw the notification", "created_at", "seen"),
    ("send_lag", "scheduled -> actually sent (pacing accuracy)", "scheduled", "sent"),
)


def slice_figures(result: SliceResult) -> dict[str, Any]:
    samples: list[Sample] = result.samples
    ok = [s for s in samples if s.status == 201]
    stages: dict[str, Any] = {}
    for key, label, a, b in STAGES:
        values = [
            getattr(s, b) - getattr(s, a)
            for s in ok
            if getattr(s, a) is not None and getattr(s, b) is not None
        ]
        stages[key] = {"label": label, "ms": summary_ms(values)}
    sent = [s.sent for s in samples if s.sent]
    achieved = (len(sent) - 1) / (max(sent) - min(sent)) if len(sent) > 1 else 0.0
    return {
        "requests": result.requests,
        "target_rate_per_s": result.rate,
        "achieved_send_rate_per_s": round(achieved, 2),
        "responses_201": len(ok),
        "errors": {
            str(s.status): sum(1 for x in samples if x.status == s.status)
            for s in samples
            if s.status != 201
        },
        "notifications_seen": sum(1 for s in ok if s.seen is not None),
        "startup_s": {k: round(v, 2) for k, v in result.startup_s.items()},
        "stages": stages,
    }


def throughput_figures(results: dict[str, ThroughputResult]) -> dict[str, Any]:
    out: dict[str, Any] = {k: r.as_dict() for k, r in results.items()}
    ratios = [
        results[k.replace("raw", "plumbing", 1)].rate / r.rate
        for k, r in results.items()
        if k.startswith("raw_batch1 #") and r.rate > 0
    ]
    if ratios:
        out["round_ratios"] = [round(x, 3) for x in ratios]
        out["ratio_plumbing_to_raw"] = round(statistics.median(ratios), 3)
    return out


def paired_figures(
    results: Mapping[str, Any], ours: str, rates: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """Each result as a dict, and per metric the median of the rounds' ratios: `<ours> #i`
    over `raw #i` (interleaved rounds: neighbours compared, as the machine drifts)."""
    out: dict[str, Any] = {k: r.as_dict() for k, r in results.items()}
    pairs = [
        (results[k.replace("raw", ours, 1)], r) for k, r in results.items() if k.startswith("raw #")
    ]
    for key, rate in rates:
        ratios = [
            getattr(mine, rate) / getattr(base, rate) for mine, base in pairs if getattr(base, rate)
        ]
        if ratios:
            out[f"round_ratios_{key}"] = [round(x, 3) for x in ratios]
            out[f"ratio_{ours}_to_raw_{key}"] = round(statistics.median(ratios), 3)
    return out


def import_figures(results: dict[str, ImportResult]) -> dict[str, Any]:
    rates = (("rows_written", "rows_rate"), ("events_published", "events_rate"))
    return paired_figures(results, "registry", rates)


def fanout_figures(results: dict[str, FanoutResult]) -> dict[str, Any]:
    # notify's rate / raw's rate = raw's time / notify's time (the same N on both sides).
    return paired_figures(results, "notify", (("stored", "stored_rate"), ("events", "events_rate")))


def print_ratios(
    figures: dict[str, Any], ours: str, label: str, metrics: Sequence[tuple[str, str]]
) -> None:
    for key, what in metrics:
        if f"ratio_{ours}_to_raw_{key}" in figures:
            print(
                f"  {label}, {what} = {figures[f'ratio_{ours}_to_raw_{key}']:.2f} "
                f"(median of rounds {figures[f'round_ratios_{key}']})"
            )


def print_header(machine: dict[str, Any], infra: dict[str, Any], versions: dict[str, str]) -> None:
    print("RedVest benchmark")
    print(
        f"  machine : {machine['cores']} cores, {machine['cpu_model']}, "
        f"{machine['memory_gb']} GB, Python {machine['python']}, {machine['platform']}"
    )
    print(f"  load    : {machine['load_average_at_start']} (1/5/15 min, at start)")
    print(
        f"  servers : {infra['origin']}: {versions.get('nats', '?')} at {infra['nats_url']}, "
        f"{versions.get('mongo', '?')} at {infra['mongo_url']}"
    )
    pk = machine["packages"]
    print("  packages: " + ", ".join(f"{k} {v}" for k, v in pk.items() if v))
    print()


def print_throughput(figures: dict[str, Any]) -> None:
    print("Consumer throughput (consume side only; all events published beforehand)")
    print(f"  {'variant':<20} {'events':>7} {'seconds':>8} {'events/s':>9}  what")
    for key, row in figures.items():
        if not isinstance(row, dict):
            continue
        print(
            f"  {key:<20} {row['events']:>7} {row['seconds']:>8.2f} "
            f"{row['events_per_s']:>9.1f}  {row['description']}"
            + (
                ""
                if row["effects_stored"] == row["events"]
                else f"  [stored {row['effects_stored']}!]"
            )
        )
    if "ratio_plumbing_to_raw" in figures:
        print(
            f"  ratio plumbing_batch1 / raw_batch1 = {figures['ratio_plumbing_to_raw']:.2f} "
            f"(median of rounds {figures['round_ratios']}; target >= 0.5)"
        )
    print()


def print_import(figures: dict[str, Any]) -> None:
    rows = next((r["rows"] for r in figures.values() if isinstance(r, dict)), 0)
    print(f"Roster import: {rows} valid rows (XLSX, one IMPORT_MEMBERS call, valid_rows_only)")
    print(f"  {'variant':<20} {'written s':>9} {'rows/s':>8} {'events s':>9} {'events/s':>9}  what")
    for key, row in figures.items():
        if not isinstance(row, dict):
            continue
        short = (
            ""
            if row["rows_stored"] == row["events_stored"] == row["rows"]
            else f"  [stored {row['rows_stored']} rows, {row['events_stored']} events!]"
        )
        print(
            f"  {key:<20} {row['written_s']:>9.2f} {row['rows_written_per_s']:>8.1f} "
            f"{row['events_s']:>9.2f} {row['events_published_per_s']:>9.1f}  "
            f"{row['description']}{short}"
        )
    metrics = (("rows_written", "rows written"), ("events_published", "events published"))
    print_ratios(figures, "registry", "ratio registry / raw", metrics)
    print()


def print_fanout(figures: dict[str, Any]) -> None:
    n = next((r["recipients"] for r in figures.values() if isinstance(r, dict)), 0)
    print(f"Notice fan-out: one POST_NOTICE to a building of {n} residents (inbox only)")
    print(f"  {'variant':<10} {'stored s':>9} {'items/s':>8} {'events s':>9} {'events/s':>9}  what")
    for key, row in figures.items():
        if not isinstance(row, dict):
            continue
        short = (
            ""
            if row["notifications_stored"] == row["events_stored"] == row["recipients"]
            else f"  [stored {row['notifications_stored']} items, {row['events_stored']} events!]"
        )
        reply = f" (reply {row['reply_s'] * 1000:.0f} ms)" if "reply_s" in row else ""
        print(
            f"  {key:<10} {row['stored_s']:>9.2f} {row['stored_per_s']:>8.1f} "
            f"{row['events_s']:>9.2f} {row['events_per_s']:>9.1f}  "
            f"{row['description']}{reply}{short}"
        )
    metrics = (("stored", "notifications stored"), ("events", "events in stream"))
    print_ratios(figures, "notify", "ratio raw time / notify time", metrics)
    print()


def print_slice(fig: dict[str, Any]) -> None:
    print(
        f"Slice end-to-end latency: {fig['requests']} x POST /api/v1/requests at "
        f"{fig['target_rate_per_s']}/s (achieved {fig['achieved_send_rate_per_s']}/s); "
        f"201: {fig['responses_201']}, notifications seen: {fig['notifications_seen']}"
        + (f", errors: {fig['errors']}" if fig["errors"] else "")
    )
    print(f"  start-up to ready (s): {fig['startup_s']}")
    print(f"  {'stage (ms)':<52} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}")
    for stage in fig["stages"].values():
        ms = stage["ms"]
        if ms is None:
            print(f"  {stage['label']:<52} {'-':>7}")
            continue
        print(
            f"  {stage['label']:<52} {ms['p50']:>7.1f} {ms['p95']:>7.1f} "
            f"{ms['p99']:>7.1f} {ms['max']:>7.1f}"
        )
    print()


def write_json(path: Path, figures: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
