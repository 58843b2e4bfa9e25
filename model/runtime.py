"""How the network runs on the CPU: fp32, bf16 weights, or dynamic int8 (``model.runtime``).

Measured on this project's CPU kind (AVX512-BF16, AMX; README "Runtimes",
``benchmarks/runtimes.py``): bf16 weights make the model backend about 1.5x
faster within 0.001 F1 of fp32 on every label and type; dynamic int8 is a
little faster still but moves entity F1 by 0.01, beyond the 0.005 tolerance. Checksums and canaries are verified
on the fp32 weights as built; the runtime is applied afterwards.
"""

from __future__ import annotations

import warnings
from typing import Literal

import torch
from torch import nn

from govtag.errors import ConfigError

Runtime = Literal["auto", "torch", "torch-bf16", "torch-int8"]
#: the runtimes themselves; ``auto`` picks one of them
RUNTIMES: tuple[str, ...] = ("torch", "torch-bf16", "torch-int8")


def bf16_supported() -> bool:
    """Native bf16 matrix units (AVX512-BF16 / AMX); without them bf16 is emulated and slow."""
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def resolve_runtime(runtime: str) -> str:
    """``auto``: bf16 weights where the CPU has native bf16 (the measured fastest within tolerance), else fp32."""
    if runtime == "auto":
        return "torch-bf16" if bf16_supported() else "torch"
    return runtime


def apply_runtime(network: nn.Module, runtime: str) -> nn.Module:
    """The network converted for ``runtime`` (in place where torch allows), in eval mode."""
    runtime = resolve_runtime(runtime)
    if runtime == "torch":
        return network.eval()
    if runtime == "torch-bf16":
        if not bf16_supported():
            raise ConfigError(
                "model.runtime torch-bf16 needs a CPU with native bf16 (AVX512-BF16 or AMX); "
                "this one has none: use model.runtime: torch"
            )
        return network.to(torch.bfloat16).eval()
    if runtime == "torch-int8":
        with warnings.catch_warnings():  # torch marks quantize_dynamic as deprecated in favour of torchao
            warnings.simplefilter("ignore")
            return torch.ao.quantization.quantize_dynamic(network.eval(), {nn.Linear}, dtype=torch.qint8)
    raise ConfigError(f"unknown model.runtime {runtime!r}; choose one of {', '.join(RUNTIMES)}")
