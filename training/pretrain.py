"""Masked-language-model pretraining and domain adaptation of a base encoder.

Builds a new ModernBERT encoder from an architecture (``init.from_config``) or
continues training an existing MLM checkpoint (``init.from_pretrained``) on the
user's own report text, with no network access: the tokenizer, the corpus and
any starting checkpoint are local paths (a hub id works only where the hub
cache already holds it).

The recipe:

- Every input document is split into paragraphs (lines), each paragraph is
  tokenized in full (never truncated) and the token streams of all documents
  are concatenated and packed into sequences ``[CLS] <seq_len - 2 tokens> [SEP]``.
  Only the last sequence can be shorter; it is padded, never dropped.
- Masking is dynamic (drawn afresh for each batch): ``mask_prob`` of the tokens
  are selected, and of those 80% become ``[MASK]``, 10% a random token and 10%
  stay as they are; the loss counts only the selected positions.
- With ``whole_word_masking`` the text is first segmented into words with
  jieba (its dictionary ships inside the ``jieba`` package, nothing is
  downloaded) and the selection and the 80/10/10 choice are made per word, so
  all word pieces of a chosen word are masked together.
- A plain torch loop: AdamW, linear warm-up to ``lr`` then linear decay to
  ``min_lr_ratio * lr`` at ``max_steps``, gradient clipping, optional bf16
  autocast on CPU.
- The run is deterministic for a fixed ``seed``: the model initialisation, the
  order of the sequences and the masks of every step depend only on the seed
  and the step number, so a resumed run continues exactly where the
  interrupted one would have gone.

Output folder (``output_dir``)::

    config.json, model.safetensors     the final model (AutoModel / AutoModelForMaskedLM)
    tokenizer.json, tokenizer_config.json
    pretraining_state.json             step, loss, tokens seen, corpus size, the config
    pretrain_log.jsonl                 one line per log_every steps
    checkpoint-<step>/                 the last ``keep_checkpoints`` checkpoints, each a
                                       loadable model folder plus optimizer and RNG state
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import logging
import math
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, PrivateAttr, model_validator

from govtag.atomic import write_atomically
from govtag.config import validate_file
from govtag.corpus.progress import bar_interval
from govtag.errors import ConfigError, GovtagError, InputError
from govtag.jsonl import iter_jsonl
from govtag.strict import StrictModel

STATE_FILE = "pretraining_state.json"
LOG_FILE = "pretrain_log.jsonl"
TRAINING_STATE_FILE = "training_state.pt"
CHECKPOINT_PREFIX = "checkpoint-"

#: Settings that must not change between a checkpoint and the run that resumes it
#: (the packed corpus itself is compared by a hash, so paths may move).
RESUME_FIELDS = ("seq_len", "mask_prob", "whole_word_masking", "batch_size", "seed")

CorpusFormat = Literal["jsonl", "text", "chars", "conll"]


# --------------------------------------------------------------------------- config


class ArchitectureConfig(StrictModel):
    """A fresh ModernBERT encoder (pre-LayerNorm, rotary positions, GeGLU)."""

    layers: int = Field(4, ge=1, le=128, description="number of transformer layers")
    hidden: int = Field(256, ge=8, le=16384, description="hidden size")
    heads: int = Field(4, ge=1, le=256, description="attention heads; hidden / heads must be even")
    intermediate: int = Field(768, ge=8, le=65536, description="feed-forward size")
    max_position: int = Field(1024, ge=8, le=131072, description="longest sequence the model accepts")
    global_attn_every_n_layers: int = Field(1, ge=1, description="1 = global attention in every layer")
    local_attention: int = Field(128, ge=2, description="window of the sliding-attention layers")
    dropout: float = Field(0.0, ge=0.0, lt=1.0, description="embedding, attention and MLP dropout")

    @model_validator(mode="after")
    def _check_heads(self) -> ArchitectureConfig:
        if self.hidden % self.heads:
            raise ValueError(f"hidden ({self.hidden}) must be divisible by heads ({self.heads})")
        if (self.hidden // self.heads) % 2:
            raise ValueError("hidden / heads must be even (rotary position embeddings)")
        return self


class InitConfig(StrictModel):
    """Exactly one of the two."""

    from_pretrained: str | None = Field(None, description="MLM checkpoint folder (or cached hub id) to continue")
    from_config: ArchitectureConfig | None = Field(None, description="architecture of a new ModernBERT")

    @model_validator(mode="after")
    def _exactly_one(self) -> InitConfig:
        if (self.from_pretrained is None) == (self.from_config is None):
            raise ValueError("give exactly one of from_pretrained or from_config")
        return self


class CorpusSource(StrictModel):
    """One corpus input with an explicit format."""

    path: str = Field(description="file, folder or glob")
    format: CorpusFormat | None = Field(
        None, description="jsonl (a text field per line), text (plain text), chars (one sentence a line, "
        "characters separated by spaces), conll (one 'char TAG' a line, blank line between sentences); "
        "default: by suffix (.jsonl/.json -> jsonl, anything else -> text)")
    text_field: str = Field("text", description="the JSONL field that holds the text")


class PretrainConfig(StrictModel):
    init: InitConfig
    tokenizer: str | None = Field(
        None, description="tokenizer folder or cached hub id; default: init.from_pretrained")
    corpus: list[str | CorpusSource] = Field(
        min_length=1, description="JSONL files with a text field, .txt files, folders of .txt files, globs")
    exclude_ids: list[str] = Field(default_factory=list, description="JSONL record ids to leave out")
    seq_len: int = Field(128, ge=8, le=131072, description="tokens per packed sequence, [CLS] and [SEP] included")
    mask_prob: float = Field(0.2, gt=0.0, lt=1.0, description="share of tokens selected for prediction")
    whole_word_masking: bool = Field(False, description="select whole jieba words instead of single tokens")
    batch_size: int = Field(32, ge=1, le=65536)
    lr: float = Field(1e-3, gt=0.0, le=1.0, description="peak learning rate")
    min_lr_ratio: float = Field(0.1, ge=0.0, le=1.0, description="final learning rate as a share of lr")
    warmup_steps: int = Field(200, ge=0)
    max_steps: int = Field(1000, ge=1)
    weight_decay: float = Field(0.01, ge=0.0, le=1.0, description="AdamW decay; not on biases and norms")
    adam_betas: tuple[float, float] = (0.9, 0.98)
    adam_eps: float = Field(1e-8, gt=0.0, le=1e-2)
    max_grad_norm: float | None = Field(1.0, gt=0.0, description="gradient clipping; null for none")
    seed: int = Field(0, ge=0, le=2**31 - 1)
    output_dir: Path
    save_every: int = Field(500, ge=0, description="steps between checkpoints; 0 = only at the end")
    keep_checkpoints: int = Field(2, ge=1, description="checkpoints kept in output_dir")
    log_every: int = Field(50, ge=1, description="steps between log lines and loss averages")
    bf16: bool = Field(False, description="bfloat16 autocast (CPU or CUDA)")
    num_threads: int | None = Field(None, ge=1, description="torch CPU threads; default: torch's choice")
    device: str = Field("cpu", description="torch device")

    _source: Path | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _check(self) -> PretrainConfig:
        if self.init.from_config is not None:
            if self.tokenizer is None:
                raise ValueError("tokenizer: required with init.from_config")
            if self.seq_len > self.init.from_config.max_position:
                raise ValueError(f"seq_len ({self.seq_len}) exceeds init.from_config.max_position "
                                 f"({self.init.from_config.max_position})")
        for beta in self.adam_betas:
            if not 0.0 <= beta < 1.0:
                raise ValueError("adam_betas: each must be in [0, 1)")
        return self

    @property
    def source(self) -> Path | None:
        """The YAML file this config came from, if any."""
        return self._source

    @property
    def tokenizer_ref(self) -> str:
        return self.tokenizer or str(self.init.from_pretrained)


def _resolve_ref(base: Path, value: str) -> str:
    """A path relative to ``base`` when it looks like one or exists there, else a hub id as given."""
    path = Path(value).expanduser()
    if path.is_absolute():
        return str(path)
    candidate = base / path
    if value.startswith(("./", "../", ".\\", "..\\")) or candidate.exists():
        return str(candidate.resolve())
    return value


def _resolve_path(base: Path, value: str) -> str:
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else (base / path).resolve())


def resolve_paths(config: PretrainConfig, base: Path) -> PretrainConfig:
    """Make the config's relative paths absolute against ``base`` (the YAML file's folder)."""
    if config.init.from_pretrained is not None:
        config.init.from_pretrained = _resolve_ref(base, config.init.from_pretrained)
    if config.tokenizer is not None:
        config.tokenizer = _resolve_ref(base, config.tokenizer)
    config.corpus = [
        _resolve_path(base, entry) if isinstance(entry, str)
        else entry.model_copy(update={"path": _resolve_path(base, entry.path)})
        for entry in config.corpus
    ]
    if not config.output_dir.is_absolute():
        config.output_dir = (base / config.output_dir).resolve()
    return config


def load_pretrain_config(path: str | Path, **overrides: Any) -> PretrainConfig:
    """Read and validate a pretraining YAML file; ``overrides`` replace top-level keys.

    Relative paths are resolved against the folder of the file. Any invalid value
    raises :class:`ConfigError` with the file and the dotted field name.
    """
    path = Path(path)
    config = validate_file(path, PretrainConfig, overrides)
    resolve_paths(config, path.resolve().parent)
    config._source = path.resolve()
    corpus_files(config)  # fail now, not after loading the model, when an input is missing
    return config


# --------------------------------------------------------------------------- corpus


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    format: CorpusFormat
    text_field: str = "text"


def _has_magic(value: str) -> bool:
    return any(ch in value for ch in "*?[")


def corpus_files(config: PretrainConfig) -> list[CorpusFile]:
    """Expand the corpus entries into files, in a stable order; ConfigError names an empty entry."""
    files: list[CorpusFile] = []
    for index, entry in enumerate(config.corpus):
        source = entry if isinstance(entry, CorpusSource) else CorpusSource(path=entry)
        if _has_magic(source.path):
            matches = [Path(p) for p in sorted(glob.glob(source.path, recursive=True)) if Path(p).is_file()]
        elif Path(source.path).is_dir():
            matches = sorted(p for p in Path(source.path).rglob("*.txt") if p.is_file())
        elif Path(source.path).is_file():
            matches = [Path(source.path)]
        else:
            raise ConfigError(f"corpus[{index}]: no such file or folder: {source.path}")
        if not matches:
            raise ConfigError(f"corpus[{index}]: matches no file: {source.path}")
        for match in matches:
            fmt = source.format or ("jsonl" if match.suffix.lower() in (".jsonl", ".json") else "text")
            files.append(CorpusFile(match, fmt, source.text_field))
    return files


def _read_lines(path: Path) -> Iterator[str]:
    try:
        with path.open(encoding="utf-8-sig") as handle:
            yield from handle
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc})") from exc


def iter_documents(files: Sequence[CorpusFile], exclude_ids: Sequence[str] = ()) -> Iterator[str]:
    """The text of every document in ``files``, in order (JSONL records, text files, sentences)."""
    excluded = set(exclude_ids)
    for item in files:
        if item.format == "jsonl":
            for where, record in iter_jsonl(item.path):
                if not isinstance(record, dict) or not isinstance(record.get(item.text_field), str):
                    raise InputError(f"{where}: no string field {item.text_field!r}")
                if excluded and str(record.get("id")) in excluded:
                    continue
                yield record[item.text_field]
        elif item.format == "text":
            yield "".join(_read_lines(item.path))
        elif item.format == "chars":
            for line in _read_lines(item.path):
                if line.strip():
                    yield "".join(line.split())
        else:  # conll: the first column of each line is one character
            chars: list[str] = []
            for line in _read_lines(item.path):
                line = line.rstrip("\r\n")
                if not line.strip():
                    if chars:
                        yield "".join(chars)
                        chars = []
                    continue
                chars.append(line[0])
            if chars:
                yield "".join(chars)


def iter_paragraphs(texts: Iterator[str]) -> Iterator[str]:
    """Non-blank lines; documents are concatenated paragraph by paragraph."""
    for text in texts:
        for line in text.splitlines():
            if line.strip():
                yield line


def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def word_ids_for_text(text: str, offsets: Sequence[tuple[int, int]], first_id: int = 0) -> tuple[list[int], int]:
    """Give each token the id of the jieba word its first character belongs to.

    Returns the ids (numbered from ``first_id`` in text order) and the next free id.
    Tokens of one word share an id; a token that spans two words (``２２`` is two
    jieba words but one token) belongs to the first.
    """
    char_word = [0] * len(text)
    next_id = first_id
    for _, start, end in _jieba().tokenize(text):
        char_word[start:end] = [next_id] * (end - start)
        next_id += 1
    ids = [char_word[min(start, len(text) - 1)] for start, _ in offsets] if text else []
    return ids, next_id


@dataclass
class PackedCorpus:
    """Token sequences ready for MLM: ``[CLS] tokens [SEP] [PAD]...``.

    ``word_ids`` groups positions that are masked together (-1: never masked:
    [CLS], [SEP], padding); ``lengths`` is the number of real positions per row.
    """

    input_ids: Any  # torch.IntTensor [n, seq_len]
    word_ids: Any  # torch.IntTensor [n, seq_len]
    lengths: Any  # torch.IntTensor [n]
    documents: int
    paragraphs: int
    tokens: int  # corpus tokens, special tokens not counted

    def __len__(self) -> int:
        return int(self.input_ids.shape[0])


def encode_corpus(texts: Iterator[str], tokenizer: Any, *, whole_word: bool, batch: int = 512,
                  progress: Callable[[int], None] | None = None) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Tokenize every paragraph in full; returns token ids, word ids, documents, paragraphs."""
    ids_parts: list[np.ndarray] = []
    word_parts: list[np.ndarray] = []
    counter = {"docs": 0, "paras": 0, "next_word": 0, "tokens": 0}

    def counted(items: Iterator[str]) -> Iterator[str]:
        for item in items:
            counter["docs"] += 1
            yield item

    def flush(paragraphs: list[str]) -> None:
        enc = tokenizer(paragraphs, add_special_tokens=False, return_offsets_mapping=whole_word,
                        split_special_tokens=True, verbose=False)
        for index, ids in enumerate(enc["input_ids"]):
            if not ids:
                continue
            ids_parts.append(np.asarray(ids, dtype=np.int32))
            if whole_word:
                words, counter["next_word"] = word_ids_for_text(
                    paragraphs[index], enc["offset_mapping"][index], counter["next_word"])
                word_parts.append(np.asarray(words, dtype=np.int64))
            else:  # every token its own group: its position in the stream
                start = counter["tokens"]
                word_parts.append(np.arange(start, start + len(ids), dtype=np.int64))
            counter["tokens"] += len(ids)
        if progress:
            progress(sum(len(p) for p in paragraphs))

    pending: list[str] = []
    for paragraph in iter_paragraphs(counted(texts)):
        pending.append(paragraph)
        counter["paras"] += 1
        if len(pending) >= batch:
            flush(pending)
            pending = []
    if pending:
        flush(pending)
    if not ids_parts:
        return np.zeros(0, np.int32), np.zeros(0, np.int64), counter["docs"], counter["paras"]
    return np.concatenate(ids_parts), np.concatenate(word_parts), counter["docs"], counter["paras"]


def pack_sequences(token_ids: np.ndarray, word_ids: np.ndarray, seq_len: int, *, cls_id: int, sep_id: int,
                   pad_id: int, documents: int = 0, paragraphs: int = 0) -> PackedCorpus:
    """Cut the token stream into ``[CLS] + (seq_len - 2) tokens + [SEP]`` rows; the last row is padded."""
    import torch

    body = seq_len - 2
    total = int(token_ids.shape[0])
    if total == 0:
        raise InputError("the corpus holds no text")
    rows = math.ceil(total / body)
    padded = rows * body
    stream = np.full(padded, pad_id, dtype=np.int32)
    stream[:total] = token_ids
    groups = np.full(padded, -1, dtype=np.int64)
    groups[:total] = word_ids
    ids = np.full((rows, seq_len), pad_id, dtype=np.int32)
    words = np.full((rows, seq_len), -1, dtype=np.int64)
    ids[:, 0] = cls_id
    ids[:, 1:body + 1] = stream.reshape(rows, body)
    words[:, 1:body + 1] = groups.reshape(rows, body)
    lengths = np.full(rows, seq_len, dtype=np.int32)
    ids[:, -1] = sep_id
    tail = total - (rows - 1) * body  # real tokens in the last row
    if tail < body:
        ids[-1, -1] = pad_id
        ids[-1, tail + 1] = sep_id
        lengths[-1] = tail + 2
    return PackedCorpus(torch.from_numpy(ids), torch.from_numpy(words), torch.from_numpy(lengths),
                        documents, paragraphs, total)


def build_corpus(config: PretrainConfig, tokenizer: Any, *, show_progress: bool = False) -> PackedCorpus:
    """Read, tokenize and pack the config's corpus."""
    files = corpus_files(config)
    bar = None
    if show_progress:
        from tqdm.auto import tqdm

        total_bytes = sum(f.path.stat().st_size for f in files)
        bar = tqdm(total=total_bytes // 3, unit="char", unit_scale=True, desc="tokenizing", leave=False,
                   mininterval=bar_interval())
    try:
        ids, words, documents, paragraphs = encode_corpus(
            iter_documents(files, config.exclude_ids), tokenizer, whole_word=config.whole_word_masking,
            progress=(lambda n: bar.update(n)) if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()
    return pack_sequences(ids, words, config.seq_len, cls_id=tokenizer.cls_token_id,
                          sep_id=tokenizer.sep_token_id, pad_id=tokenizer.pad_token_id,
                          documents=documents, paragraphs=paragraphs)


# --------------------------------------------------------------------------- masking


def replacement_ids(tokenizer: Any) -> Any:
    """Token ids a masked position may be replaced with: the vocabulary without [PAD], [unused1], ..."""
    import torch

    special = set(tokenizer.all_special_ids)
    ids = [i for tok, i in tokenizer.get_vocab().items()
           if i not in special and not (len(tok) > 2 and tok.startswith("[") and tok.endswith("]"))]
    return torch.tensor(sorted(ids), dtype=torch.long)


def mask_tokens(input_ids: Any, word_ids: Any, *, mask_prob: float, mask_token_id: int, random_ids: Any,
                generator: Any) -> tuple[Any, Any]:
    """Select groups (words, or single tokens) with probability ``mask_prob``; 80/10/10 per group.

    ``word_ids`` [batch, len]: positions sharing an id form one group; -1 marks
    positions that are never selected. Returns ``(inputs, labels)``; labels are
    -100 except at the selected positions. At least one group is selected.
    """
    import torch

    maskable = word_ids >= 0
    inputs = input_ids.clone()
    labels = torch.full_like(input_ids, -100)
    if not bool(maskable.any()):
        return inputs, labels
    groups, inverse = torch.unique(word_ids[maskable], return_inverse=True)
    select = torch.rand(len(groups), generator=generator) < mask_prob
    how = torch.rand(len(groups), generator=generator)
    if not bool(select.any()):
        select[torch.randint(len(groups), (1,), generator=generator)] = True
    chosen = torch.zeros_like(maskable)
    chosen[maskable] = select[inverse]
    action = torch.full(input_ids.shape, 2.0)
    action[maskable] = how[inverse]
    labels[chosen] = input_ids[chosen]
    inputs[chosen & (action < 0.8)] = mask_token_id
    to_random = chosen & (action >= 0.8) & (action < 0.9)
    draws = random_ids[torch.randint(len(random_ids), input_ids.shape, generator=generator)]
    inputs[to_random] = draws.to(inputs.dtype)[to_random]
    return inputs, labels


# --------------------------------------------------------------------------- training


def lr_factor(step: int, warmup_steps: int, max_steps: int, min_ratio: float) -> float:
    """Multiplier of the peak lr for update number ``step`` (0-based)."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    span = max(1, max_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps + 1) / span)
    return max(min_ratio, 1.0 - (1.0 - min_ratio) * progress)


def _step_seed(seed: int, step: int, stream: int) -> int:
    return (seed * 1_000_003 + step * 7_919 + stream * 104_729) % (2**63 - 1)


class _Order:
    """Which rows make up the batch of a step: a fresh permutation per pass over the data."""

    def __init__(self, rows: int, batch_size: int, seed: int) -> None:
        self.rows, self.batch_size, self.seed = rows, batch_size, seed
        self._perms: dict[int, Any] = {}

    def _perm(self, epoch: int) -> Any:
        import torch

        if epoch not in self._perms:
            self._perms = {k: v for k, v in self._perms.items() if k >= epoch - 1}
            gen = torch.Generator().manual_seed(_step_seed(self.seed, epoch, 1))
            self._perms[epoch] = torch.randperm(self.rows, generator=gen)
        return self._perms[epoch]

    def batch(self, step: int) -> Any:
        import torch

        first = step * self.batch_size
        positions = range(first, first + self.batch_size)
        return torch.stack([self._perm(p // self.rows)[p % self.rows] for p in positions])


def corpus_digest(corpus: PackedCorpus) -> str:
    """A hash of the packed token ids: the same text and tokenizer give the same digest."""
    digest = hashlib.sha256(corpus.input_ids.numpy().tobytes())
    digest.update(corpus.lengths.numpy().tobytes())
    return digest.hexdigest()[:16]


def _fingerprint(config: PretrainConfig, corpus: PackedCorpus) -> dict[str, Any]:
    data = config.model_dump(mode="json")
    return {**{key: data[key] for key in RESUME_FIELDS}, "corpus": corpus_digest(corpus)}


def list_checkpoints(output_dir: Path) -> list[tuple[int, Path]]:
    """``(step, folder)`` of the complete checkpoints in ``output_dir``, oldest first."""
    found = []
    if output_dir.is_dir():
        for path in output_dir.glob(f"{CHECKPOINT_PREFIX}*"):
            suffix = path.name[len(CHECKPOINT_PREFIX):]
            if suffix.isdigit() and (path / TRAINING_STATE_FILE).is_file() and (path / STATE_FILE).is_file():
                found.append((int(suffix), path))
    return sorted(found)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    write_atomically(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def _cpu_has_native_bf16() -> bool:
    """AVX512-BF16 or AMX: the CPUs on which bf16 autocast is faster rather than slower."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True  # cannot tell: say nothing
    return any(flag in flags for flag in ("avx512_bf16", "amx_bf16"))


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """No per-file progress bars or load reports from transformers while saving and loading."""
    from transformers.utils import logging as hf_logging

    bars, level = hf_logging.is_progress_bar_enabled(), hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def _load_tokenizer(config: PretrainConfig) -> Any:
    from transformers import AutoTokenizer

    ref = config.tokenizer_ref
    try:
        tokenizer = AutoTokenizer.from_pretrained(ref)
    except Exception as exc:  # noqa: BLE001 - transformers raises several kinds
        raise ConfigError(f"tokenizer: cannot load {ref!r}: {exc}") from exc
    for name in ("cls_token_id", "sep_token_id", "pad_token_id", "mask_token_id"):
        if getattr(tokenizer, name, None) is None:
            raise ConfigError(f"tokenizer: {ref!r} has no {name.removesuffix('_id')}")
    return tokenizer


def _new_model(config: PretrainConfig, tokenizer: Any) -> Any:
    from transformers import AutoModelForMaskedLM, ModernBertConfig

    arch = config.init.from_config
    assert arch is not None
    model_config = ModernBertConfig(
        vocab_size=len(tokenizer),
        hidden_size=arch.hidden,
        intermediate_size=arch.intermediate,
        num_hidden_layers=arch.layers,
        num_attention_heads=arch.heads,
        max_position_embeddings=arch.max_position,
        global_attn_every_n_layers=arch.global_attn_every_n_layers,
        local_attention=arch.local_attention,
        embedding_dropout=arch.dropout,
        attention_dropout=arch.dropout,
        mlp_dropout=arch.dropout,
        pad_token_id=tokenizer.pad_token_id,
        cls_token_id=tokenizer.cls_token_id,
        bos_token_id=tokenizer.cls_token_id,
        sep_token_id=tokenizer.sep_token_id,
        eos_token_id=tokenizer.sep_token_id,
        sparse_prediction=True,
    )
    return AutoModelForMaskedLM.from_config(model_config)


def _load_model(ref: str, what: str) -> Any:
    from transformers import AutoModelForMaskedLM

    try:
        with _quiet_transformers():
            return AutoModelForMaskedLM.from_pretrained(ref)
    except Exception as exc:  # noqa: BLE001
        raise ConfigError(f"{what}: cannot load a masked-LM model from {ref!r}: {exc}") from exc


def _check_model(model: Any, tokenizer: Any, config: PretrainConfig) -> None:
    vocab = model.get_input_embeddings().weight.shape[0]
    if vocab < len(tokenizer):
        raise ConfigError(f"tokenizer: {len(tokenizer)} tokens but the model's vocabulary has {vocab}")
    limit = getattr(model.config, "max_position_embeddings", None)
    if limit is not None and config.seq_len > limit:
        raise ConfigError(f"seq_len: {config.seq_len} exceeds the model's max_position_embeddings ({limit})")


def _optimizer(model: Any, config: PretrainConfig) -> Any:
    import torch

    decay, no_decay = [], []
    for _, param in model.named_parameters():
        if param.requires_grad:
            (decay if param.ndim >= 2 else no_decay).append(param)
    groups = [{"params": decay, "weight_decay": config.weight_decay},
              {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=config.lr, betas=config.adam_betas, eps=config.adam_eps)


@dataclass
class _Progress:
    step: int = 0
    tokens_seen: int = 0
    seconds: float = 0.0
    window: list[float] | None = None

    def loss(self) -> float | None:
        return sum(self.window) / len(self.window) if self.window else None


def run_pretraining(config: PretrainConfig, *, resume: bool = False, show_progress: bool = True,
                    echo: Callable[[str], None] | None = print) -> dict[str, Any]:
    """Train as configured and save the model to ``config.output_dir``; returns the final state.

    ``resume``: continue from the newest checkpoint in ``output_dir`` (a fresh
    start when there is none). Without it, an ``output_dir`` that already holds
    a run is refused rather than overwritten.
    """
    import torch

    say = echo or (lambda _msg: None)
    out = config.output_dir
    checkpoints = list_checkpoints(out)
    if not resume and (checkpoints or (out / STATE_FILE).exists()):
        raise ConfigError(f"output_dir: {out} already holds a pretraining run; "
                          "pass --resume to continue it or choose another output_dir")
    start_from = checkpoints[-1] if (resume and checkpoints) else None
    saved_state: dict[str, Any] | None = None
    if start_from is not None:
        saved_state = json.loads((start_from[1] / STATE_FILE).read_text(encoding="utf-8"))
        before = saved_state.get("fingerprint", {})
        now = config.model_dump(mode="json")
        changed = [k for k in RESUME_FIELDS if before.get(k) != now[k]]
        if changed:
            raise ConfigError(f"cannot resume from {start_from[1]}: changed since the checkpoint: "
                              + ", ".join(changed))

    if config.num_threads:
        torch.set_num_threads(config.num_threads)
    device = torch.device(config.device)
    if config.bf16 and device.type == "cpu" and not _cpu_has_native_bf16():
        say(f"warning: bf16 on a CPU without native bfloat16 ({torch.backends.cpu.get_cpu_capability()}) "
            "is much slower than fp32; set bf16: false")
    tokenizer = _load_tokenizer(config)

    started = time.perf_counter()
    corpus = build_corpus(config, tokenizer, show_progress=show_progress)
    say(f"corpus: {corpus.documents} documents, {corpus.paragraphs} paragraphs, {corpus.tokens:,} tokens "
        f"-> {len(corpus):,} sequences of {config.seq_len} ({time.perf_counter() - started:.1f} s)")
    fingerprint = _fingerprint(config, corpus)
    if saved_state is not None and saved_state.get("fingerprint", {}).get("corpus") != fingerprint["corpus"]:
        raise ConfigError(f"cannot resume from {start_from[1]}: the corpus (its text or the tokenizer) "
                          "differs from the one the checkpoint was trained on")

    torch.manual_seed(config.seed)
    if start_from is not None:
        model = _load_model(str(start_from[1]), "checkpoint")
    elif config.init.from_config is not None:
        model = _new_model(config, tokenizer)
    else:
        model = _load_model(str(config.init.from_pretrained), "init.from_pretrained")
    _check_model(model, tokenizer, config)
    model.to(device)
    model.train()
    optimizer = _optimizer(model, config)

    progress = _Progress(window=[])
    if start_from is not None:
        assert saved_state is not None
        extra = torch.load(start_from[1] / TRAINING_STATE_FILE, map_location="cpu", weights_only=True)
        optimizer.load_state_dict(extra["optimizer"])
        torch.set_rng_state(extra["torch_rng"])
        if device.type == "cuda" and "cuda_rng" in extra:
            torch.cuda.set_rng_state(extra["cuda_rng"], device)
        progress = _Progress(step=start_from[0], tokens_seen=int(saved_state["tokens_seen"]),
                             seconds=float(saved_state.get("seconds", 0.0)),
                             window=list(saved_state.get("loss_window", [])))
        say(f"resuming from {start_from[1]} (step {progress.step})")
    elif resume:
        say(f"no checkpoint in {out}; starting from step 0")

    params = sum(p.numel() for p in model.parameters())
    epochs = config.max_steps * config.batch_size / len(corpus)
    say(f"model: {type(model).__name__}, {params / 1e6:.1f}M parameters; {config.max_steps} steps of "
        f"{config.batch_size} x {config.seq_len} = {epochs:.2f} passes over the corpus")

    out.mkdir(parents=True, exist_ok=True)
    order = _Order(len(corpus), config.batch_size, config.seed)
    random_ids = replacement_ids(tokenizer)
    positions = torch.arange(config.seq_len)
    autocast = torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=config.bf16)

    def state_dict(step: int) -> dict[str, Any]:
        return {
            "step": step,
            "max_steps": config.max_steps,
            "tokens_seen": progress.tokens_seen,
            "train_loss": progress.loss(),
            "corpus_tokens": corpus.tokens,
            "sequences": len(corpus),
            "documents": corpus.documents,
            "seconds": round(progress.seconds, 3),
            "minutes": round(progress.seconds / 60, 3),
            "seconds_per_step": round(progress.seconds / step, 4) if step else None,
            "loss_window": progress.window,
            "fingerprint": fingerprint,
            "config": config.model_dump(mode="json"),
        }

    def save_checkpoint(step: int) -> None:
        final = out / f"{CHECKPOINT_PREFIX}{step}"
        tmp = out / f".{CHECKPOINT_PREFIX}{step}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        with _quiet_transformers():
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
        extra = {"optimizer": optimizer.state_dict(), "torch_rng": torch.get_rng_state()}
        if device.type == "cuda":
            extra["cuda_rng"] = torch.cuda.get_rng_state(device)
        torch.save(extra, tmp / TRAINING_STATE_FILE)
        _write_json(tmp / STATE_FILE, state_dict(step))
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        for _, old in list_checkpoints(out)[:-config.keep_checkpoints]:
            shutil.rmtree(old, ignore_errors=True)

    bar = None
    if show_progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=config.max_steps, initial=progress.step, unit="step", desc="pretraining",
                   mininterval=bar_interval())
    last_saved = progress.step
    step = progress.step
    try:
        with (out / LOG_FILE).open("a", encoding="utf-8") as log:
            while step < config.max_steps:
                tick = time.perf_counter()
                rows = order.batch(step)
                input_ids = corpus.input_ids[rows].long()
                attention = positions[None, :] < corpus.lengths[rows, None]
                gen = torch.Generator().manual_seed(_step_seed(config.seed, step, 2))
                inputs, labels = mask_tokens(input_ids, corpus.word_ids[rows], mask_prob=config.mask_prob,
                                             mask_token_id=tokenizer.mask_token_id, random_ids=random_ids,
                                             generator=gen)
                factor = lr_factor(step, config.warmup_steps, config.max_steps, config.min_lr_ratio)
                for group in optimizer.param_groups:
                    group["lr"] = config.lr * factor
                with autocast:
                    output = model(input_ids=inputs.to(device), attention_mask=attention.to(device).long(),
                                   labels=labels.to(device))
                loss = output.loss
                if not torch.isfinite(loss):
                    raise GovtagError(f"the loss became {loss.item()} at step {step + 1}; "
                                      "lower lr or turn bf16 off")
                loss.backward()
                if config.max_grad_norm:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)

                step += 1
                value = float(loss.item())
                progress.step = step
                progress.tokens_seen += int(attention.sum())
                progress.seconds += time.perf_counter() - tick
                progress.window = (progress.window + [value])[-config.log_every:]
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{value:.3f}", lr=f"{config.lr * factor:.2e}", refresh=False)
                if step % config.log_every == 0 or step == config.max_steps:
                    log.write(json.dumps({"step": step, "loss": round(progress.loss() or 0.0, 5),
                                          "lr": config.lr * factor, "tokens_seen": progress.tokens_seen,
                                          "seconds": round(progress.seconds, 2)}) + "\n")
                    log.flush()
                if config.save_every and step % config.save_every == 0 and step < config.max_steps:
                    save_checkpoint(step)
                    last_saved = step
    except KeyboardInterrupt:
        if step > last_saved:
            save_checkpoint(step)
            say(f"\ninterrupted: saved {out / f'{CHECKPOINT_PREFIX}{step}'}; continue with --resume")
        raise
    finally:
        if bar is not None:
            bar.close()

    if step > last_saved or not list_checkpoints(out):
        save_checkpoint(step)
    with _quiet_transformers():
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)
    final = state_dict(step)
    _write_json(out / STATE_FILE, final)
    loss_text = f"{final['train_loss']:.4f}" if final["train_loss"] is not None else "n/a"
    say(f"saved {out}: step {step}, loss {loss_text} (mean of the last {len(progress.window or [])} steps), "
        f"{progress.tokens_seen:,} tokens seen, {final['minutes']:.1f} min")
    return final
