"""``model.runtime``: bf16 and int8 conversions of the verified model, against fp32 on the seeds."""

from __future__ import annotations

import pytest

from govtag.config import load_config
from govtag.errors import ConfigError
from govtag.ingest import load_text
from govtag.model.runtime import apply_runtime, bf16_supported, resolve_runtime
from govtag.pipeline import Pipeline
from tests.paths import ROOT, SEEDS

pytestmark = pytest.mark.model


def _labels(runtime: str, backend: str = "model") -> tuple[list[str], str]:
    config = load_config(ROOT / "configs" / "govtag.yaml")
    config.model.runtime = runtime
    pipeline = Pipeline(config, backend=backend)
    docs = [load_text(p.read_text(encoding="utf-8"), p.stem) for p in sorted((SEEDS / "reports").glob("*.txt"))]
    results = pipeline.annotate_documents(docs)
    return [s.label for r in results for s in r.sentences], pipeline.tagger.info()["runtime"]


def test_auto_picks_bf16_exactly_where_the_cpu_has_it() -> None:
    assert resolve_runtime("auto") == ("torch-bf16" if bf16_supported() else "torch")
    assert resolve_runtime("auto", long_run=True) == ("torch-bf16-compiled" if bf16_supported() else "torch")
    assert resolve_runtime("torch-int8") == "torch-int8"


def test_unknown_runtime_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown model.runtime 'onnx'"):
        apply_runtime(None, "onnx")  # type: ignore[arg-type]


@pytest.mark.parametrize("runtime", ["torch-bf16", "torch-int8", pytest.param("torch-bf16-compiled", marks=pytest.mark.slow)])
def test_converted_runtimes_keep_the_fp32_sentence_labels(runtime: str) -> None:
    if runtime.startswith("torch-bf16") and not bf16_supported():
        pytest.fail("this CPU has no native bf16; the project's machines do (AVX512-BF16/AMX)")
    reference, served = _labels("torch")
    assert served == "torch"
    labels, served = _labels(runtime)
    assert served == runtime
    assert len(labels) == len(reference)
    agreement = sum(a == b for a, b in zip(labels, reference)) / len(labels)
    assert agreement >= 0.99, f"{runtime}: {agreement:.2%} of sentence labels as fp32"
