"""What the service benchmarks share: a free port, a `govtag serve` subprocess started and awaited, percentiles."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch_server(
    env: dict[str, str], startup_timeout: float, extra_args: list[str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """`govtag serve` on a free loopback port with ``env`` added to the environment; returns once /readyz is 200."""
    port = free_port()
    command = [sys.executable, "-m", "govtag.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command + (extra_args or []), cwd=ROOT, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + startup_timeout
    with httpx.Client(base_url=url, timeout=5) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"the server exited with code {process.returncode}")
            try:
                response = client.get("/readyz")
                if response.status_code == 200:
                    return process, url
                if response.json().get("status") == "unavailable":
                    process.terminate()
                    raise SystemExit(f"the server is not ready: {response.json()}")
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"the server did not become ready in {startup_timeout}s")


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]
