"""`python -m bench` (`make bench`): run the benchmarks on one set of servers and report.

    python -m bench [--events 2000] [--requests 200] [--rate 20] [--roster-rows 500]
                    [--audience 300] [--rounds 3] [--json PATH] [--skip-throughput]
                    [--skip-slice] [--skip-import] [--skip-fanout]

NATS_URL and MONGO_URL from the environment are used when both are set; otherwise a real
nats-server and nx-27017 are started in a temp folder and stopped at the end. Nothing is
asserted: the figures are reported, not judged.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import consumer_throughput as ct
from bench import notice_fanout as nf
from bench import report
from bench import roster_import as ri
from bench.infra import Infra, as_dict, infrastructure, machine, server_versions
from bench.slice_latency import run_slice
from services.registry.roster import MAX_ROWS

WARMUP_EVENTS = 200
WARMUP_ROWS = 50
WARMUP_AUDIENCE = 50


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=2000, help="events per throughput run")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="interleaved pairs: raw/plumbing, raw/registry, raw/notify",
    )
    parser.add_argument("--requests", type=int, default=200, help="requests in the slice run")
    parser.add_argument("--rate", type=float, default=20.0, help="slice requests per second")
    parser.add_argument("--roster-rows", type=int, default=500, help="rows of the imported roster")
    parser.add_argument(
        "--audience", type=int, default=300, help="residents of the building a notice reaches"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-slice", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-fanout", action="store_true")
    args = parser.parse_args(argv)
    if min(args.events, args.requests, args.rounds, args.audience) < 1 or args.rate <= 0:
        parser.error("--events, --requests, --rounds and --audience must be >= 1, --rate > 0")
    if not 1 <= args.roster_rows <= MAX_ROWS:
        parser.error(f"--roster-rows must be 1 to {MAX_ROWS}")
    return args


async def throughput(infra: Infra, n: int, rounds: int) -> dict[str, ct.ThroughputResult]:
    nats_url, mongo_url = infra.nats_url, infra.mongo_url
    # Not reported: first connections, imports, the servers' first files.
    await ct.raw_baseline(nats_url, mongo_url, WARMUP_EVENTS, 1)
    await ct.plumbing(nats_url, mongo_url, WARMUP_EVENTS, 1)
    results: dict[str, ct.ThroughputResult] = {}
    # Interleaved rounds: this machine's speed drifts between runs, so each ratio compares
    # neighbours, and the median ratio is reported.
    for i in range(1, rounds + 1):
        results[f"raw_batch1 #{i}"] = await ct.raw_baseline(nats_url, mongo_url, n, 1)
        results[f"plumbing_batch1 #{i}"] = await ct.plumbing(nats_url, mongo_url, n, 1)
    # For information: what explains the difference, and what batching would buy.
    results["raw_batch10"] = await ct.raw_baseline(nats_url, mongo_url, n, 10)
    results["plumbing_json_logs"] = await ct.plumbing(
        nats_url, mongo_url, n, 1, log_json_to=str(infra.root / "logs" / "bench-consumer.log")
    )
    return results


async def roster_import(infra: Infra, rows: int, rounds: int) -> dict[str, ri.ImportResult]:
    nats_url, mongo_url = infra.nats_url, infra.mongo_url
    # Not reported: first connections, imports (openpyxl), the first service start.
    await ri.raw(nats_url, mongo_url, min(rows, WARMUP_ROWS))
    await ri.registry(nats_url, mongo_url, min(rows, WARMUP_ROWS))
    results: dict[str, ri.ImportResult] = {}
    # Interleaved as the throughput rounds, for the same reason.
    for i in range(1, rounds + 1):
        results[f"raw #{i}"] = await ri.raw(nats_url, mongo_url, rows)
        results[f"registry #{i}"] = await ri.registry(nats_url, mongo_url, rows)
    # For information: publishing without keeping the stream in write order.
    results["raw_64_in_flight"] = await ri.raw(nats_url, mongo_url, rows, ri.CONCURRENT_PUBLISHES)
    return results


async def notice_fanout(infra: Infra, audience: int, rounds: int) -> dict[str, nf.FanoutResult]:
    nats_url, mongo_url = infra.nats_url, infra.mongo_url
    # Not reported: first connections, the first service start, the templates' first render.
    await nf.raw(nats_url, mongo_url, min(audience, WARMUP_AUDIENCE))
    await nf.notify(nats_url, mongo_url, min(audience, WARMUP_AUDIENCE))
    results: dict[str, nf.FanoutResult] = {}
    # Interleaved as the throughput rounds, for the same reason.
    for i in range(1, rounds + 1):
        results[f"raw #{i}"] = await nf.raw(nats_url, mongo_url, audience)
        results[f"notify #{i}"] = await nf.notify(nats_url, mongo_url, audience)
    return results


async def main_async(args: argparse.Namespace, infra: Infra) -> dict[str, Any]:
    versions = await server_versions(infra)
    figures: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "servers": {**as_dict(infra), "versions": versions},
        "options": {
            "events": args.events,
            "rounds": args.rounds,
            "requests": args.requests,
            "rate": args.rate,
            "roster_rows": args.roster_rows,
            "audience": args.audience,
        },
    }
    report.print_header(figures["machine"], figures["servers"], versions)
    if not args.skip_throughput:
        started = time.monotonic()
        figures["throughput"] = report.throughput_figures(
            await throughput(infra, args.events, args.rounds)
        )
        figures["throughput"]["wall_s"] = round(time.monotonic() - started, 1)
        report.print_throughput(figures["throughput"])
    if not args.skip_slice:
        log_dir = infra.root / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        result = await run_slice(
            infra.nats_url, infra.mongo_url, log_dir, requests=args.requests, rate=args.rate
        )
        figures["slice"] = report.slice_figures(result)
        report.print_slice(figures["slice"])
    if not args.skip_import:
        started = time.monotonic()
        figures["roster_import"] = report.import_figures(
            await roster_import(infra, args.roster_rows, args.rounds)
        )
        figures["roster_import"]["wall_s"] = round(time.monotonic() - started, 1)
        report.print_import(figures["roster_import"])
    if not args.skip_fanout:
        started = time.monotonic()
        figures["notice_fanout"] = report.fanout_figures(
            await notice_fanout(infra, args.audience, args.rounds)
        )
        figures["notice_fanout"]["wall_s"] = round(time.monotonic() - started, 1)
        report.print_fanout(figures["notice_fanout"])
    return figures


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    # As in every service: FastStream's per-message INFO lines off.
    logging.getLogger("faststream").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="redvest-bench-") as tmp:
        root = Path(tmp)
        (root / "logs").mkdir()
        with infrastructure(root) as infra:
            figures = asyncio.run(main_async(args, infra))
    if args.json:
        report.write_json(args.json, figures)
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
