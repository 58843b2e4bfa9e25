"""How the network runs on the CPU: fp32, bf16 weights, bf16 compiled, or dynamic int8 (``model.runtime``).

Measured on this project's CPU kind (AVX512-BF16, AMX; README "Runtimes",
``benchmarks/runtimes.py``): bf16 weights make the model backend about 1.5x
faster within 0.001 F1 of fp32 on every label and type, and ``torch.compile``
on top of them (fused attention, GELU and rotary embeddings) about 1.4x faster
again, after a warm-up of several seconds per process; dynamic int8 moves entity
F1 by 0.01, beyond the 0.005 tolerance. Checksums and canaries are verified on the
fp32 weights as built; the runtime is applied afterwards.
"""

from __future__ import annotations

import os
import shutil
import warnings
from typing import Literal

import torch
from torch import nn

from govtag.errors import ConfigError

Runtime = Literal["auto", "torch", "torch-bf16", "torch-bf16-compiled", "torch-int8"]
#: the runtimes themselves; ``auto`` picks one of them
RUNTIMES: tuple[str, ...] = ("torch", "torch-bf16", "torch-bf16-compiled", "torch-int8")


def bf16_supported() -> bool:
    """Native bf16 matrix units (AVX512-BF16 / AMX); without them bf16 is emulated and slow."""
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def compiler_available() -> bool:
    """``torch.compile`` generates C++ for the CPU: it needs a compiler at run time."""
    return shutil.which(os.environ.get("CXX", "g++")) is not None


def resolve_runtime(runtime: str, long_run: bool = False) -> str:
    """``auto``: the measured fastest runtime within tolerance of fp32 that pays off for the run.

    bf16 weights where the CPU has native bf16, else fp32; compiled as well for a
    ``long_run`` (a corpus), where the compile's warm-up is repaid many times over.
    """
    if runtime != "auto":
        return runtime
    if not bf16_supported():
        return "torch"
    return "torch-bf16-compiled" if long_run and compiler_available() else "torch-bf16"


def apply_runtime(network: nn.Module, runtime: str) -> nn.Module:
    """The network converted for ``runtime`` (in place where torch allows), in eval mode."""
    runtime = resolve_runtime(runtime)
    if runtime == "torch":
        return network.eval()
    if runtime in ("torch-bf16", "torch-bf16-compiled"):
        if not bf16_supported():
            raise ConfigError(
                f"model.runtime {runtime} needs a CPU with native bf16 (AVX512-BF16 or AMX); "
                "this one has none: use model.runtime: torch"
            )
        network = network.to(torch.bfloat16).eval()
        if runtime == "torch-bf16":
            return network
        if not compiler_available():
            raise ConfigError(f"model.runtime {runtime} needs a C++ compiler ({os.environ.get('CXX', 'g++')})")
        # dynamic: one graph for every batch shape; compiled on the first batch
        return torch.compile(network, dynamic=True)
    if runtime == "torch-int8":
        with warnings.catch_warnings():  # torch marks quantize_dynamic as deprecated in favour of torchao
            warnings.simplefilter("ignore")
            return torch.ao.quantization.quantize_dynamic(network.eval(), {nn.Linear}, dtype=torch.qint8)
    raise ConfigError(f"unknown model.runtime {runtime!r}; choose one of {', '.join(RUNTIMES)}")
