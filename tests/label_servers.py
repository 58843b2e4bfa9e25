"""Real labelling servers for the tests, each started once per session on loopback: Label Studio and doccano.

Each runs from its own virtualenv, which the set-up command creates (their pins clash
with the project's): ``.venv-labelstudio`` and ``.venv-doccano``, with SQLite in a
temporary folder. The fixtures yield an API client holding a user's token; the tests
talk to the servers only through their HTTP APIs, as a user's script would.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.paths import ROOT

LABEL_STUDIO = ROOT / ".venv-labelstudio" / "bin" / "label-studio"
START_TIMEOUT_S = 240  # Label Studio starts in about 45 s on an idle machine; migrations run on first start
DOCCANO_VENV = ROOT / ".venv-doccano"
DOCCANO = DOCCANO_VENV / "bin" / "doccano"
DOCCANO_START_TIMEOUT_S = 120


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory) -> Iterator[httpx.Client]:
    """A running Label Studio with one user, and an API client holding the user's token."""
    if not LABEL_STUDIO.exists():
        pytest.skip(f"Label Studio is not installed ({LABEL_STUDIO} is missing); `bash setup.sh` creates it")
    data = tmp_path_factory.mktemp("label-studio")
    port, token = _free_port(), secrets.token_hex(20)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LABEL_STUDIO_", "DJANGO_"))}
    env.update(LABEL_STUDIO_BASE_DATA_DIR=str(data), LATEST_VERSION_CHECK="false", COLLECT_ANALYTICS="false")
    # 1.23 disables legacy tokens for new organisations; --enable-legacy-api-token is its switch to keep them
    command = [str(LABEL_STUDIO), "start", "--no-browser", "--data-dir", str(data),
               "--database", str(data / "label_studio.sqlite3"), "--internal-host", "127.0.0.1", "--port", str(port),
               "--username", "annotator@example.com", "--password", secrets.token_hex(12),
               "--user-token", token, "--enable-legacy-api-token"]
    log = (data / "server.log").open("wb")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=data,
                              start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(server, base_url, data / "server.log")
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Token {token}"}, timeout=120) as client:
            yield client
    finally:
        _stop(server)
        log.close()


def _wait_until_healthy(server: subprocess.Popen, base_url: str, log_path) -> None:
    """Poll ``/health`` until it answers; fail with the server's log if it exits or takes too long."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"Label Studio exited with {server.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)  # the polling interval
    pytest.fail(f"Label Studio did not answer /health in {START_TIMEOUT_S} s:\n"
                f"{log_path.read_text(errors='replace')[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="session")
def doccano(tmp_path_factory) -> Iterator[httpx.Client]:
    """A running doccano with an admin user, and an API client holding the admin's token."""
    if not DOCCANO.exists():
        pytest.skip(f"doccano is not installed ({DOCCANO} is missing); `bash setup.sh` creates it")
    home = tmp_path_factory.mktemp("doccano")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "DOCCANO_"))}
    env.update(DOCCANO_HOME=str(home), DATABASE_URL=f"sqlite:///{home / 'db.sqlite3'}", MEDIA_ROOT=str(home / "media"),
               STANDALONE="True", DJANGO_SETTINGS_MODULE="config.settings.production")
    password = secrets.token_hex(12)
    for step in (["init"], ["createuser", "--username", "admin", "--password", password]):
        done = subprocess.run([str(DOCCANO), *step], env=env, cwd=home, capture_output=True, text=True, timeout=300,
                              check=False)
        assert done.returncode == 0, f"doccano {step[0]} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
    where = "import backend, os; print(os.path.dirname(backend.__file__))"
    backend = subprocess.run([str(DOCCANO_VENV / "bin" / "python"), "-c", where], capture_output=True, text=True,
                             check=True).stdout.strip()
    port = _free_port()
    logs = [(home / name).open("wb") for name in ("web.log", "task.log")]
    # `doccano webserver` binds every interface; gunicorn is started directly to keep it on loopback
    web = subprocess.Popen([str(DOCCANO_VENV / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
                            "--chdir", backend, "config.wsgi"], env=env, cwd=home, stdout=logs[0],
                           stderr=subprocess.STDOUT, start_new_session=True)
    worker = subprocess.Popen([str(DOCCANO), "task", "--concurrency", "1"], env=env, cwd=home, stdout=logs[1],
                              stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_doccano_healthy([web, worker], base_url, home)
        with httpx.Client(base_url=base_url, timeout=120) as client:
            login = client.post("/v1/auth/login/", json={"username": "admin", "password": password})
            assert login.status_code == 200, login.text
            client.cookies.clear()  # token authentication only: a session cookie would demand a CSRF token
            client.headers["Authorization"] = f"Token {login.json()['key']}"
            yield client
    finally:
        for process in (web, worker):
            _stop(process)
        for log in logs:
            log.close()


def _wait_until_doccano_healthy(processes: list[subprocess.Popen], base_url: str, home: Path) -> None:
    """Poll doccano's health check (database, storage and the task queue) until it passes."""
    deadline = time.monotonic() + DOCCANO_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            pytest.fail(f"doccano exited:\n{_logs(home)}")
        try:
            if httpx.get(f"{base_url}/v1/health/", headers={"Accept": "application/json"}, timeout=5).is_success:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)  # the polling interval
    pytest.fail(f"doccano did not pass its health check in {DOCCANO_START_TIMEOUT_S} s:\n{_logs(home)}")


def _logs(home: Path) -> str:
    return "\n".join(f"--- {name}\n{(home / name).read_text(errors='replace')[-2000:]}" for name in ("web.log", "task.log"))
