"""Load benchmark for the HTTP service: N concurrent clients for a fixed time, batching on and off.

Starts ``govtag serve`` on a free loopback port once per mode (unless ``--url``
points at a running server), waits for /readyz, then runs ``--clients``
concurrent clients that POST /v1/annotate back to back for ``--duration``
seconds, and prints requests/s, latency percentiles and errors per mode.

    python benchmarks/load_service.py --backend merged --clients 16 --duration 20
    python benchmarks/load_service.py --backend rules --unit report --modes on
    python benchmarks/load_service.py --url http://127.0.0.1:8000 --modes on   # an existing server

Request texts are cut from seeds/reports/*.txt: ``--unit paragraph`` (default:
one non-empty line per request, the case where micro-batching matters most) or
``--unit report`` (a whole report per request).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections import Counter

import httpx
from serving import ROOT, launch_server, percentile

SEEDS = ROOT / "seeds" / "reports"


def load_texts(unit: str) -> list[str]:
    reports = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    if unit == "report":
        return reports
    return [line.strip() for report in reports for line in report.splitlines() if len(line.strip()) >= 10]


def start_server(args: argparse.Namespace, batching: bool) -> tuple[subprocess.Popen[bytes], str]:
    env = {
        "GOVTAG_SERVICE_BATCHING__ENABLED": "true" if batching else "false",
        "GOVTAG_SERVICE_BATCHING__MAX_BATCH_SIZE": str(args.max_batch_size),
        "GOVTAG_SERVICE_BATCHING__MAX_WAIT_MS": str(args.max_wait_ms),
        "GOVTAG_SERVICE_LOG_LEVEL": "warning",
    }
    if args.backend:
        env["GOVTAG_SERVICE_DEFAULT_BACKEND"] = args.backend
        if args.backend == "rules":
            env["GOVTAG_SERVICE_BACKENDS"] = '["rules"]'
    return launch_server(env, args.startup_timeout, ["--settings", args.settings] if args.settings else None)


async def run_load(url: str, texts: list[str], args: argparse.Namespace) -> dict[str, object]:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    documents = 0
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    options = {"backend": args.backend} if args.backend else {}
    async with httpx.AsyncClient(base_url=url, timeout=args.timeout, limits=limits) as client:
        # warm the connections and the server
        await asyncio.gather(*(client.post("/v1/annotate", json={"text": texts[i % len(texts)]}) for i in range(args.clients)))
        stop_at = time.perf_counter() + args.duration

        async def worker(index: int) -> None:
            nonlocal documents
            i = index
            while time.perf_counter() < stop_at:
                text = texts[i % len(texts)]
                i += args.clients
                started = time.perf_counter()
                try:
                    response = await client.post("/v1/annotate", json={"text": text, "options": options})
                    statuses[str(response.status_code)] += 1
                    if response.status_code == 200:
                        latencies.append(time.perf_counter() - started)
                        documents += 1
                except httpx.HTTPError as exc:
                    statuses[type(exc).__name__] += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(args.clients)))
        elapsed = time.perf_counter() - began
        metrics = (await client.get("/metrics")).text
    latencies.sort()
    batch_count, batch_sum = _batch_stats(metrics)
    return {
        "requests": sum(statuses.values()),
        "ok": documents,
        "errors": {k: v for k, v in statuses.items() if k != "200"},
        "req_per_s": documents / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "mean_batch": (batch_sum / batch_count) if batch_count else float("nan"),
    }


def _batch_stats(metrics: str) -> tuple[float, float]:
    count = total = 0.0
    for line in metrics.splitlines():
        if line.startswith("govtag_batch_size_count{") and 'kind="micro"' in line:
            count += float(line.rsplit(" ", 1)[1])
        elif line.startswith("govtag_batch_size_sum{") and 'kind="micro"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return count, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="benchmark a running server instead of starting one per mode")
    parser.add_argument("--settings", help="service settings file for the started servers")
    parser.add_argument("--backend", choices=["rules", "model", "merged"], help="backend to ask for")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of load per mode (default 15)")
    parser.add_argument("--unit", choices=["paragraph", "report"], default="paragraph")
    parser.add_argument("--modes", default="on,off", help="batching modes to run: on,off (default both)")
    parser.add_argument("--max-batch-size", type=int, default=32)
    parser.add_argument("--max-wait-ms", type=float, default=5.0)
    parser.add_argument("--timeout", type=float, default=120.0, help="client timeout per request (s)")
    parser.add_argument("--startup-timeout", type=float, default=300.0)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)

    texts = load_texts(args.unit)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    results: dict[str, dict[str, object]] = {}
    for mode in modes:
        if mode not in ("on", "off"):
            parser.error(f"unknown mode {mode!r}")
        if args.url:
            results[mode] = asyncio.run(run_load(args.url, texts, args))
            continue
        process, url = start_server(args, batching=(mode == "on"))
        try:
            results[mode] = asyncio.run(run_load(url, texts, args))
        finally:
            process.terminate()
            process.wait(timeout=30)

    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(
        f"backend={args.backend or 'server default'} clients={args.clients} duration={args.duration:g}s "
        f"unit={args.unit} texts={len(texts)}"
    )
    print(f"{'batching':<9}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'batch':>7}  errors")
    for mode, r in results.items():
        print(
            f"{mode:<9}{r['ok']:>9}{r['req_per_s']:>9.1f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}"
            f"{r['p99_ms']:>9.1f}{r['mean_batch']:>7.1f}  {r['errors'] or 'none'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
