"""Soak benchmark for the HTTP service: steady load for minutes, with model reloads in the middle.

Starts ``govtag serve`` as a subprocess on a free loopback port, serving a copy of
the configured registry's active model (so the real registry is never touched),
and runs ``--clients`` concurrent clients that POST /v1/annotate back to back for
``--duration`` seconds with documents of mixed size: a paragraph (most requests),
a section of about ten paragraphs, or a whole report. Meanwhile, at a quarter,
half and three quarters of the run:

1. reload onto a second copy of the model (a new version made active);
2. a broken model: a copy with truncated weights made active, then
   ``POST /v1/admin/reload``, which must be refused (409) while the old model
   keeps serving; then the previous version is made active again;
3. reload back onto the original version.

Every ``--interval`` seconds it prints the requests answered in that interval,
errors by status, latency percentiles (p50/p95/p99) and the server's resident
memory (VmRSS of the server process, from /proc). At the end: totals, whether
any request failed, and whether memory stayed flat (within 10 %) after warm-up.

    python benchmarks/soak_service.py                      # 16 clients, 3 minutes, the default backend
    python benchmarks/soak_service.py --duration 30 --backend rules
    python benchmarks/soak_service.py --url http://127.0.0.1:8000 --pid 1234   # a running server (no reloads)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from serving import ROOT, launch_server, percentile

from govtag.config import load_config
from govtag.model.registry import ACTIVE_FILE, ModelRegistry, registry_for

SEEDS = ROOT / "seeds" / "reports"
WEIGHTS = "model.safetensors"


# --- documents -------------------------------------------------------------------------


def load_documents() -> dict[str, list[str]]:
    """Paragraphs, sections (runs of ten paragraphs) and whole reports from seeds/reports."""
    reports = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    paragraphs = [line.strip() for report in reports for line in report.splitlines() if len(line.strip()) >= 10]
    sections = ["\n".join(paragraphs[i : i + 10]) for i in range(0, len(paragraphs) - 9, 10)]
    return {"paragraph": paragraphs, "section": sections, "report": reports}


#: how often each size is sent
MIX = (("paragraph", 0.75), ("section", 0.2), ("report", 0.05))


def pick(documents: dict[str, list[str]], rng: random.Random) -> str:
    kind = rng.choices([name for name, _ in MIX], weights=[weight for _, weight in MIX])[0]
    return rng.choice(documents[kind])


# --- the server ----------------------------------------------------------------------------


def copy_registry(workdir: Path) -> tuple[ModelRegistry, str]:
    """A registry under ``workdir`` holding a copy of the configured active model."""
    config = load_config(os.environ.get("GOVTAG_CONFIG") or ROOT / "configs" / "govtag.yaml")
    ref = registry_for(config.model).get(config.model.version)
    registry = ModelRegistry(workdir / "registry", ref.name)
    shutil.copytree(ref.path, registry.folder / ref.version)
    registry.activate(ref.version)
    return registry, ref.version


def start_server(registry: ModelRegistry, token: str, args: argparse.Namespace) -> tuple[subprocess.Popen[bytes], str]:
    env = {
        "GOVTAG_SERVICE_MODEL_REGISTRY": str(registry.root),
        "GOVTAG_SERVICE_ADMIN_TOKEN": token,
        "GOVTAG_SERVICE_LOG_LEVEL": "warning",
    }
    if args.backend:
        env["GOVTAG_SERVICE_DEFAULT_BACKEND"] = args.backend
    return launch_server(env, args.startup_timeout)


def rss_mib(pid: int | None) -> float:
    """Resident memory of a process in MiB (NaN when unknown)."""
    if pid is None:
        return float("nan")
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


# --- the model events --------------------------------------------------------------------


@dataclass
class ModelEvents:
    """Reload onto a copy, reject a broken model, reload back: the three events of a run."""

    registry: ModelRegistry
    original: str
    token: str
    log: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def copy_version(self, version: str, broken: bool = False) -> str:
        source = self.registry.folder / self.original
        shutil.copytree(source, self.registry.folder / version)
        if broken:  # truncated weights: what a disk that filled up mid-copy leaves
            weights = self.registry.folder / version / WEIGHTS
            weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
        return version

    def set_active(self, version: str) -> None:
        """Point ACTIVE at a version as an operator would (registry.activate checks nothing of the weights)."""
        (self.registry.folder / ACTIVE_FILE).write_text(version + "\n", encoding="utf-8")

    async def reload(self, client: httpx.AsyncClient, expect: int, what: str, started: float) -> None:
        began = time.perf_counter()
        response = await client.post("/v1/admin/reload", headers={"Authorization": f"Bearer {self.token}"})
        took = time.perf_counter() - began
        body = response.json()
        if response.status_code == 200:
            detail = f"model {body.get('model_version')}, generation {body.get('generation')}"
        else:
            detail = body.get("error", {}).get("code")
        line = f"{time.perf_counter() - started:6.0f}s  {what}: HTTP {response.status_code} ({detail}) in {took:.1f}s"
        self.log.append(line)
        print(f"  event {line}", flush=True)
        if response.status_code != expect:
            self.failures.append(f"{what}: expected HTTP {expect}, got {response.status_code}: {body}")

    async def run(self, client: httpx.AsyncClient, duration: float, started: float) -> None:
        copy = self.copy_version("99990101T000000-soak-copy")
        await asyncio.sleep(max(0.0, started + duration * 0.25 - time.perf_counter()))
        self.set_active(copy)
        await self.reload(client, 200, f"reload onto {copy}", started)

        broken = self.copy_version("99991231T235959-soak-broken", broken=True)
        await asyncio.sleep(max(0.0, started + duration * 0.5 - time.perf_counter()))
        self.set_active(broken)
        await self.reload(client, 409, "reload onto a model with truncated weights (must be refused)", started)
        self.set_active(copy)
        shutil.rmtree(self.registry.folder / broken)

        await asyncio.sleep(max(0.0, started + duration * 0.75 - time.perf_counter()))
        self.set_active(self.original)
        await self.reload(client, 200, f"reload back onto {self.original}", started)


# --- the load ------------------------------------------------------------------------------


@dataclass
class Window:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)


@dataclass
class Row:
    at: float
    requests: int
    errors: dict[str, int]
    p50: float
    p95: float
    p99: float
    rss: float


def errors_of(statuses: Counter[str]) -> dict[str, int]:
    return {status: count for status, count in sorted(statuses.items()) if status != "200"}


def format_errors(errors: dict[str, int]) -> str:
    return " ".join(f"{status}:{count}" for status, count in errors.items()) or "0"


async def soak(url: str, pid: int | None, events: ModelEvents | None, args: argparse.Namespace) -> tuple[list[Row], Window]:
    documents = load_documents()
    options = {"backend": args.backend} if args.backend else {}
    limits = httpx.Limits(max_connections=args.clients + 2, max_keepalive_connections=args.clients + 2)
    window, total = Window(), Window()
    rows: list[Row] = []
    async with httpx.AsyncClient(base_url=url, timeout=args.timeout, limits=limits) as client:
        started = time.perf_counter()
        stop_at = started + args.duration

        async def worker(index: int) -> None:
            rng = random.Random(args.seed * 1000 + index)
            while time.perf_counter() < stop_at:
                began = time.perf_counter()
                try:
                    response = await client.post("/v1/annotate", json={"text": pick(documents, rng), "options": options})
                    status = str(response.status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                for record in (window, total):
                    record.statuses[status] += 1
                    if status == "200":
                        record.latencies.append(time.perf_counter() - began)

        async def reporter() -> None:
            nonlocal window
            print(f"{'t (s)':>6} {'requests':>9} {'errors':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'RSS MiB':>8}")
            next_at = started + args.interval
            while next_at <= stop_at + 1e-6:
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                done, window = window, Window()
                latencies = sorted(done.latencies)
                row = Row(
                    next_at - started, sum(done.statuses.values()), errors_of(done.statuses),
                    percentile(latencies, 50) * 1000, percentile(latencies, 95) * 1000,
                    percentile(latencies, 99) * 1000, rss_mib(pid),
                )  # fmt: skip
                rows.append(row)
                print(
                    f"{row.at:>6.0f} {row.requests:>9} {format_errors(row.errors):>8} {row.p50:>8.0f} "
                    f"{row.p95:>8.0f} {row.p99:>8.0f} {row.rss:>8.0f}",
                    flush=True,
                )
                next_at += args.interval

        tasks = [worker(i) for i in range(args.clients)] + [reporter()]
        if events is not None:
            tasks.append(events.run(client, args.duration, started))
        await asyncio.gather(*tasks)
    return rows, total


def summarise(rows: list[Row], total: Window, events: ModelEvents | None, args: argparse.Namespace) -> bool:
    latencies = sorted(total.latencies)
    errors = errors_of(total.statuses)
    requests = sum(total.statuses.values())
    print(
        f"\ntotal: {requests} requests in {args.duration:g}s ({requests / args.duration:.1f}/s), "
        f"errors {format_errors(errors)}, p50 {percentile(latencies, 50) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 95) * 1000:.0f} ms, p99 {percentile(latencies, 99) * 1000:.0f} ms"
    )
    ok = not errors
    after = [row.rss for row in rows if row.at > args.warmup and row.rss == row.rss]
    if after:
        first, peak, last = after[0], max(after), after[-1]
        growth = (peak - first) / first * 100
        flat = growth <= 10.0
        ok = ok and flat
        print(
            f"memory after {args.warmup:g}s warm-up: {first:.0f} MiB -> {last:.0f} MiB at the end, "
            f"peak {peak:.0f} MiB (+{growth:.1f}%): {'flat within 10%' if flat else 'NOT flat'}"
        )
    if events is not None:
        for failure in events.failures:
            print(f"event failed: {failure}")
        ok = ok and not events.failures
    print("result:", "ok" if ok else "FAILED")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="soak a running server (no model events) instead of starting one")
    parser.add_argument("--pid", type=int, help="with --url: the server's process id, for its memory")
    parser.add_argument("--backend", choices=["rules", "model", "merged"], help="backend to ask for")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of load (default 180)")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds per printed row (default 10)")
    parser.add_argument("--warmup", type=float, default=30.0, help="seconds before memory counts as warm")
    parser.add_argument("--timeout", type=float, default=120.0, help="client timeout per request (s)")
    parser.add_argument("--startup-timeout", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=1, help="seed of the document mix")
    args = parser.parse_args(argv)

    print(
        f"soak: {args.clients} clients, {args.duration:g}s, backend {args.backend or 'server default'}, "
        f"mix {', '.join(f'{name} {weight:.0%}' for name, weight in MIX)}"
    )
    if args.url:
        rows, total = asyncio.run(soak(args.url, args.pid, None, args))
        return 0 if summarise(rows, total, None, args) else 1
    with tempfile.TemporaryDirectory(prefix="govtag-soak-") as workdir:
        registry, version = copy_registry(Path(workdir))
        token = secrets.token_urlsafe(16)
        process, url = start_server(registry, token, args)
        try:
            events = ModelEvents(registry, version, token)
            rows, total = asyncio.run(soak(url, process.pid, events, args))
        finally:
            process.terminate()
            process.wait(timeout=30)
        return 0 if summarise(rows, total, events, args) else 1


if __name__ == "__main__":
    sys.exit(main())
