"""A model is verified before it serves: checksums and canaries on load, reload and activate.

Every broken variant is made from a copy of the real default model: NaN weights,
randomly perturbed weights, truncated weights, each once with the checksum left as
built (the checksum layer must catch it) and once re-sealed with the new checksum
(the canary layer must catch it on its own), plus a folder without a manifest and
version names that are paths.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import torch
from safetensors.torch import load_file, save_file
from service_helpers import ADMIN_TOKEN, LiveServer, assert_error, default_model_ref

from govtag.cli.main import main as govtag_main
from govtag.errors import ConfigError, ModelNotFoundError
from govtag.model.network import WEIGHTS_FILE
from govtag.model.registry import ACTIVE_FILE, MODEL_META, ModelRegistry
from govtag.model.verify import INTEGRITY_KEY, file_sha256

pytestmark = pytest.mark.model

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
ALL_BACKENDS = ["rules", "model", "merged"]
GOOD = "20000101T000000-good"
TEXT = "一、工作开展情况\n区司法局印发《行政执法公示办法》（区司发〔2020〕1号），共办理复议案件12件。\n二、存在的问题\n执法队伍建设仍有差距。"
POISONED_WEIGHT = "encoder.layers.1.attn.Wqkv.weight"

#: variant -> what the refusal must say (the file or the canary that failed)
BROKEN: dict[str, tuple[str, ...]] = {
    "nan": ("checksum mismatch", WEIGHTS_FILE),
    "perturbed": ("checksum mismatch", WEIGHTS_FILE),
    "truncated": ("checksum mismatch", WEIGHTS_FILE),
    "nan-resealed": ("canary check failed", "NaN"),
    "perturbed-resealed": ("canary check failed",),
    "truncated-resealed": ("cannot load", WEIGHTS_FILE),
    "no-manifest": ("no integrity manifest", "Rebuild"),
}


# --- building the variants -------------------------------------------------------------


def _nan(state: dict[str, torch.Tensor]) -> None:
    state[POISONED_WEIGHT][0, :] = float("nan")


def _perturb(state: dict[str, torch.Tensor]) -> None:
    generator = torch.Generator().manual_seed(7)
    for key, tensor in state.items():
        if tensor.is_floating_point() and tensor.numel() > 1:
            state[key] = tensor + torch.randn(tensor.shape, generator=generator) * tensor.std()


def _variant(source: Path, target: Path, weights: bytes | None, reseal: bool, drop_manifest: bool = False) -> None:
    """A model folder that shares ``source``'s files except (maybe) its weights and its meta."""
    target.mkdir(parents=True)
    for entry in source.iterdir():
        if entry.name not in (WEIGHTS_FILE, MODEL_META):
            (target / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    if weights is None:
        (target / WEIGHTS_FILE).symlink_to(source / WEIGHTS_FILE)
    else:
        (target / WEIGHTS_FILE).write_bytes(weights)
    meta = json.loads((source / MODEL_META).read_text(encoding="utf-8"))
    meta["version"] = target.name
    if reseal:
        meta[INTEGRITY_KEY]["files"][WEIGHTS_FILE] = file_sha256(target / WEIGHTS_FILE)
    if drop_manifest:
        meta.pop(INTEGRITY_KEY)
        meta["format"] = 1
    (target / MODEL_META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def _weights_with(source: Path, change: Callable[[dict[str, torch.Tensor]], None], scratch: Path) -> bytes:
    state = load_file(str(source / WEIGHTS_FILE))
    change(state)
    save_file(state, str(scratch))
    return scratch.read_bytes()


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with the real model (``GOOD``) and every broken variant; ACTIVE -> GOOD."""
    real = default_model_ref()
    meta = json.loads((real.path / MODEL_META).read_text(encoding="utf-8"))
    if INTEGRITY_KEY not in meta:
        pytest.fail(f"the default model {real.path} predates verified models; rebuild it with "
                    f"`govtag train --config configs/train-default.yaml --reuse`", pytrace=False)
    root = tmp_path_factory.mktemp("verify") / "models"
    folder = root / real.name
    folder.mkdir(parents=True)
    (folder / GOOD).symlink_to(real.path, target_is_directory=True)
    scratch = root.parent / "scratch.safetensors"
    nan = _weights_with(real.path, _nan, scratch)
    perturbed = _weights_with(real.path, _perturb, scratch)
    whole = (real.path / WEIGHTS_FILE).read_bytes()
    truncated = whole[: len(whole) // 2]
    for tag, weights in (("nan", nan), ("perturbed", perturbed), ("truncated", truncated)):
        _variant(real.path, folder / f"20000102T000000-{tag}", weights, reseal=False)
        _variant(real.path, folder / f"20000102T000000-{tag}-resealed", weights, reseal=True)
    _variant(real.path, folder / "20000102T000000-no-manifest", None, reseal=False, drop_manifest=True)
    (folder / ACTIVE_FILE).write_text(GOOD + "\n", encoding="utf-8")
    # a complete model outside the name folder: reachable only through a path-like version
    (root.parent / "outside").symlink_to(real.path, target_is_directory=True)
    return root


def _version(tag: str) -> str:
    return f"20000102T000000-{tag}"


def _active(registry: Path) -> bytes:
    return (registry / default_model_ref().name / ACTIVE_FILE).read_bytes()


def _set_active(registry: Path, version: str) -> None:
    (registry / default_model_ref().name / ACTIVE_FILE).write_text(version + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def pipeline_config(registry: Path) -> Path:
    path = registry.parent / "govtag.yaml"
    path.write_text(f"model:\n  registry: {registry}\n  name: {default_model_ref().name}\n", encoding="utf-8")
    return path


# --- the model folder as written ----------------------------------------------------------


def test_the_default_model_records_checksums_and_canaries() -> None:
    real = default_model_ref()
    meta = json.loads((real.path / MODEL_META).read_text(encoding="utf-8"))
    integrity = meta[INTEGRITY_KEY]
    assert WEIGHTS_FILE in integrity["files"] and any(n.startswith("tokenizer/") for n in integrity["files"])
    for name, digest in integrity["files"].items():
        assert file_sha256(real.path / name) == digest, name
    canaries = integrity["canaries"]
    assert len(canaries) >= 8
    assert any(c["spans"] for c in canaries), "no canary has an entity: entity agreement would test nothing"
    for canary in canaries:
        assert sum(canary["label_probs"].values()) == pytest.approx(1.0, abs=1e-4)
    leftovers = [p.name for p in real.path.rglob("*") if p.name.startswith(".")]
    assert leftovers == [], leftovers  # no staging folders or temporary files
    written_last = (real.path / MODEL_META).stat().st_mtime_ns
    assert all(p.stat().st_mtime_ns <= written_last for p in real.path.rglob("*") if p.is_file())


def test_the_build_key_changes_with_the_model_format(monkeypatch: pytest.MonkeyPatch) -> None:
    from govtag.training import trainer
    from govtag.training.config import load_train_config
    from tests.paths import ROOT

    config = load_train_config(ROOT / "configs" / "train-default.yaml")
    hashes = {"gold": "0" * 64}
    current = trainer.build_key(config, hashes)
    monkeypatch.setattr(trainer, "FORMAT_VERSION", 1)
    assert trainer.build_key(config, hashes) != current


# --- govtag model activate ----------------------------------------------------------------


def _activate(config: Path, version: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = govtag_main(["model", "--config", str(config), "activate", version])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("tag", list(BROKEN))
def test_activate_refuses_a_broken_version(
    tag: str, registry: Path, pipeline_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _active(registry)
    code, output = _activate(pipeline_config, _version(tag), capsys)
    assert code != 0, output
    for fragment in BROKEN[tag]:
        assert fragment in output, (fragment, output)
    assert f"the active version is still {GOOD}" in output
    assert "Traceback" not in output
    assert _active(registry) == before


def test_activate_accepts_the_good_version(
    registry: Path, pipeline_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = _activate(pipeline_config, GOOD, capsys)
    assert code == 0, output
    assert _active(registry) == (GOOD + "\n").encode()


@pytest.mark.parametrize("version", ["../../outside", "../outside", "/tmp", ".hidden", "a/b", "x..y", ""])
def test_activate_refuses_a_version_that_is_a_path(registry: Path, pipeline_config: Path, version: str) -> None:
    before = _active(registry)
    run = subprocess.run(
        [sys.executable, "-m", "govtag.cli.main", "model", "--config", str(pipeline_config), "activate", version],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode != 0, run.stdout
    assert "invalid model version" in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert _active(registry) == before


def test_a_config_or_active_pointer_that_is_a_path_is_refused(registry: Path, tmp_path: Path) -> None:
    config = tmp_path / "govtag.yaml"
    config.write_text(f"model:\n  registry: {registry}\n  version: ../../outside\n", encoding="utf-8")
    from govtag.config import load_config

    with pytest.raises(ConfigError, match="model.version.*invalid model version"):
        load_config(config)
    hostile = tmp_path / "hostile"
    (hostile / "govtag-default").mkdir(parents=True)
    (hostile / "govtag-default" / ACTIVE_FILE).write_text("../../outside\n", encoding="utf-8")
    (tmp_path / "outside").symlink_to(default_model_ref().path, target_is_directory=True)
    with pytest.raises(ModelNotFoundError, match="invalid model version"):
        ModelRegistry(hostile, "govtag-default").get()


# --- the service: reload and restart --------------------------------------------------------


@pytest.fixture(scope="module")
def live(start_server: Callable[..., LiveServer], registry: Path) -> LiveServer:
    _set_active(registry, GOOD)
    return start_server(model_registry=registry, backends=ALL_BACKENDS, default_backend="merged", admin_token=ADMIN_TOKEN)


def _annotations(client: httpx.Client, backend: str) -> dict:
    response = client.post("/v1/annotate", json={"text": TEXT, "options": {"backend": backend}})
    assert response.status_code == 200, response.text
    result = response.json()
    return {
        "version": result["model_version"],
        "labels": [(s["text"], s["label"]) for s in result["sentences"]],
        "entities": [(e["start"], e["end"], e["type"]) for e in result["entities"]],
    }


@pytest.mark.parametrize("tag", list(BROKEN))
def test_reload_refuses_a_broken_version_and_keeps_serving(tag: str, live: LiveServer, registry: Path) -> None:
    with live.client() as client:
        served = default_model_ref().version  # GOOD links to the real folder, whose meta names it
        before = {backend: _annotations(client, backend) for backend in ("model", "merged")}
        assert before["model"]["version"] == served
        _set_active(registry, _version(tag))
        try:
            error = assert_error(client.post("/v1/admin/reload", headers=AUTH, timeout=300), 409, "reload_failed")
        finally:
            _set_active(registry, GOOD)
        for fragment in BROKEN[tag]:
            assert fragment in error["message"], (fragment, error["message"])
        assert f"still serving model {served}" in error["message"]
        assert client.get("/readyz").status_code == 200
        for backend, expected in before.items():
            assert _annotations(client, backend) == expected  # the same model, the same answers
        metrics = client.get("/metrics").text
        assert 'govtag_model_reloads_total{outcome="failed"}' in metrics


def test_a_restart_on_a_good_version_is_ready_and_on_a_broken_one_is_not(
    start_server: Callable[..., LiveServer], registry: Path
) -> None:
    _set_active(registry, _version("perturbed-resealed"))
    try:
        broken = start_server(model_registry=registry, backends=ALL_BACKENDS, admin_token=ADMIN_TOKEN,
                              wait_ready=False)
        broken.wait(ready=False)
        with broken.client() as client:
            assert _poll(lambda: not broken.service.models.loading and broken.service.models.generation)
            ready = client.get("/readyz")
            assert ready.status_code == 503
            assert "canary check failed" in ready.json()["error"]["message"]
            assert client.post("/v1/annotate", json={"text": TEXT, "options": {"backend": "rules"}}).status_code == 200
    finally:
        _set_active(registry, GOOD)
    good = start_server(model_registry=registry, backends=ALL_BACKENDS, admin_token=ADMIN_TOKEN)
    with good.client() as client:
        assert client.get("/readyz").status_code == 200
        assert _annotations(client, "model")["version"] == default_model_ref().version


def _poll(condition: Callable[[], object], timeout: float = 240.0) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


# --- NaN at run time ------------------------------------------------------------------------


def _metric(text: str, name: str, labels: str = "") -> float:
    prefix = f"{name}{{{labels}}}" if labels else name
    for line in text.splitlines():
        if line.startswith(prefix + " "):
            return float(line.split()[-1])
    return 0.0


def test_nan_at_run_time_fails_the_document_and_flips_readiness(
    start_server: Callable[..., LiveServer], registry: Path
) -> None:
    _set_active(registry, GOOD)
    server = start_server(model_registry=registry, backends=ALL_BACKENDS, default_backend="merged",
                          admin_token=ADMIN_TOKEN)
    with server.client() as client:
        expected = _annotations(client, "model")
        # the weights go bad in memory after the model passed verification and warm-up
        network = server.service.models.generation.pipelines["model"].tagger.predictor.network
        with torch.no_grad():
            dict(network.named_parameters())[POISONED_WEIGHT][0, :] = float("nan")

        for backend in ("model", "merged"):
            response = client.post("/v1/annotate", json={"text": TEXT, "options": {"backend": backend}})
            error = assert_error(response, 503, "model_unhealthy")
            assert "NaN or infinite" in error["message"] and expected["version"] in error["message"]
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["error"]["code"] == "model_unhealthy"
        assert client.get("/v1/model").json()["ready"] is False
        metrics = client.get("/metrics").text
        assert _metric(metrics, "govtag_model_nonfinite_outputs_total", 'backend="model"') >= 1
        assert _metric(metrics, "govtag_model_nonfinite_outputs_total", 'backend="merged"') >= 1
        assert _metric(metrics, "govtag_ready") == 0
        rules = client.post("/v1/annotate", json={"text": TEXT, "options": {"backend": "rules"}})
        assert rules.status_code == 200  # rules never depended on the model

        response = client.post("/v1/admin/reload", headers=AUTH, timeout=300)  # fresh, verified weights
        assert response.status_code == 200, response.text
        assert client.get("/readyz").status_code == 200
        assert _metric(client.get("/metrics").text, "govtag_ready") == 1
        assert _annotations(client, "model") == expected
