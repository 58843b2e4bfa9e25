"""MLM pretraining: config validation, packing, whole-word masking, and a tiny real run."""

from __future__ import annotations

import argparse
import json
import math
import shutil
from pathlib import Path

import pytest
import torch
import yaml

from govtag.errors import ConfigError
from govtag.training.pretrain import (
    STATE_FILE,
    list_checkpoints,
    load_pretrain_config,
    lr_factor,
    mask_tokens,
    pack_sequences,
    run_pretraining,
    word_ids_for_text,
)
from tests.paths import ROOT as REPO
from tests.paths import SEEDS as SEED_DIR
from tests.paths import SHARED

SEEDS = SEED_DIR / "reports"
TOKENIZER = SHARED / "models" / "govbert-mini-zh"


TINY = {
    "init": {"from_config": {"layers": 2, "hidden": 32, "heads": 2, "intermediate": 64, "max_position": 64}},
    "tokenizer": str(TOKENIZER),
    "corpus": ["texts", "docs.jsonl"],
    "exclude_ids": ["left-out"],
    "seq_len": 32,
    "batch_size": 4,
    "max_steps": 8,
    "warmup_steps": 2,
    "lr": 5e-3,
    "save_every": 4,
    "log_every": 2,
    "whole_word_masking": True,
    "seed": 7,
    "output_dir": "run",
}


def write_config(folder: Path, **changes) -> Path:
    """A tiny corpus (a few hundred lines of the seed reports) and a config next to it."""
    texts = folder / "texts"
    if not texts.exists():
        texts.mkdir(parents=True)
        for path in sorted(SEEDS.glob("*.txt"))[:2]:
            lines = path.read_text(encoding="utf-8").splitlines()[:40]
            (texts / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        records = [{"id": "kept", "text": "区司法局开展行政执法监督。\n全年共办理行政复议案件22件。"},
                   {"id": "left-out", "text": "这一行不应进入语料。"}]
        (folder / "docs.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    config = {**TINY, **changes}
    path = folder / "pretrain.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def weights(folder: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


def same_weights(a: Path, b: Path) -> bool:
    wa, wb = weights(a), weights(b)
    return wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)


# --------------------------------------------------------------------------- config


def test_config_resolves_paths_against_the_yaml_folder(tmp_path):
    config = load_pretrain_config(write_config(tmp_path))
    assert config.output_dir == (tmp_path / "run").resolve()
    assert config.corpus == [str((tmp_path / "texts").resolve()), str((tmp_path / "docs.jsonl").resolve())]
    assert config.mask_prob == 0.2 and config.seq_len == 32
    assert load_pretrain_config(write_config(tmp_path), max_steps=3).max_steps == 3


@pytest.mark.parametrize(("change", "field"), [
    ({"mask_prob": 1.5}, "mask_prob"),
    ({"batch_size": 0}, "batch_size"),
    ({"sequence_length": 64}, "sequence_length"),
    ({"init": {"from_config": {"layers": 2, "hidden": 30, "heads": 4}}}, "init.from_config"),
    ({"init": {}}, "init"),
    ({"seq_len": 128}, "seq_len"),
])
def test_bad_config_names_the_field(tmp_path, change, field):
    with pytest.raises(ConfigError) as info:
        load_pretrain_config(write_config(tmp_path, **change))
    assert field in str(info.value)
    assert "pretrain.yaml" in str(info.value)


def test_tokenizer_is_required_for_a_new_model(tmp_path):
    config = {k: v for k, v in TINY.items() if k != "tokenizer"}
    path = write_config(tmp_path)
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    with pytest.raises(ConfigError, match="tokenizer"):
        load_pretrain_config(path)


def test_missing_corpus_names_the_entry(tmp_path):
    with pytest.raises(ConfigError, match=r"corpus\[1\]"):
        load_pretrain_config(write_config(tmp_path, corpus=["texts", "nothing/*.txt"]))


# --------------------------------------------------------------------------- data


def test_lr_schedule_warms_up_then_decays_to_the_floor():
    assert lr_factor(0, 200, 6333, 0.1) == pytest.approx(1 / 200)
    assert lr_factor(199, 200, 6333, 0.1) == pytest.approx(1.0)
    assert lr_factor(6332, 200, 6333, 0.1) == pytest.approx(0.1)
    assert 0.1 < lr_factor(3000, 200, 6333, 0.1) < 1.0


def test_packing_keeps_every_token():
    import numpy as np

    ids = np.arange(1000, 1023, dtype=np.int32)  # 23 tokens, 6 per row -> 4 rows, last holds 5
    packed = pack_sequences(ids, np.arange(23), 8, cls_id=101, sep_id=102, pad_id=0)
    assert packed.input_ids.shape == (4, 8) and packed.tokens == 23
    assert packed.input_ids[:, 0].tolist() == [101] * 4
    assert packed.input_ids[0].tolist() == [101, 1000, 1001, 1002, 1003, 1004, 1005, 102]
    assert packed.input_ids[-1].tolist() == [101, 1018, 1019, 1020, 1021, 1022, 102, 0]
    assert packed.lengths.tolist() == [8, 8, 8, 7]
    body = packed.input_ids[:, 1:-1].flatten().tolist()
    assert [t for t in body if t >= 1000] == ids.tolist()
    assert (packed.word_ids[:, 0] == -1).all() and packed.word_ids[-1, -2:].tolist() == [-1, -1]


def test_word_ids_follow_jieba_segmentation():
    # jieba 0.42.1 with its bundled dictionary: 区政府 / 高度重视 / 法治 / 政府 / 建设 / 工作 / 。
    text = "区政府高度重视法治政府建设工作。"
    offsets = [(i, i + 1) for i in range(len(text))]
    ids, next_id = word_ids_for_text(text, offsets, first_id=10)
    assert ids == [10, 10, 10, 11, 11, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15, 16]
    assert next_id == 17
    # a token covering two jieba words (full-width ２２ is one token) takes the first word's id
    ids, _ = word_ids_for_text("共２２件", [(0, 1), (1, 3), (3, 4)])
    assert len(ids) == 3 and ids[1] != ids[2]


def test_whole_word_masking_masks_all_pieces_of_a_word_together():
    text = "区政府高度重视法治政府建设工作。区司法局全面推进依法行政。"
    offsets = [(i, i + 1) for i in range(len(text))]
    words, _ = word_ids_for_text(text, offsets)
    input_ids = torch.tensor([[101] + list(range(2000, 2000 + len(text))) + [102, 0, 0]])
    word_ids = torch.tensor([[-1] + words + [-1, -1, -1]])
    random_ids = torch.arange(5000, 6000)
    groups = {w: [i + 1 for i, x in enumerate(words) if x == w] for w in set(words)}
    assert max(len(p) for p in groups.values()) == 4  # 高度重视 is one word of four pieces
    selected_words = 0
    for seed in range(200):
        gen = torch.Generator().manual_seed(seed)
        inputs, labels = mask_tokens(input_ids, word_ids, mask_prob=0.3, mask_token_id=103,
                                     random_ids=random_ids, generator=gen)
        assert (labels[word_ids < 0] == -100).all()  # [CLS], [SEP], padding never selected
        assert (inputs[word_ids < 0] == input_ids[word_ids < 0]).all()
        for positions in groups.values():
            chosen = [bool(labels[0, p] != -100) for p in positions]
            assert all(chosen) or not any(chosen), "a word was masked in part"
            if all(chosen):
                selected_words += 1
                assert all(labels[0, p] == input_ids[0, p] for p in positions)
                masked = [bool(inputs[0, p] == 103) for p in positions]
                assert all(masked) or not any(masked), "80/10/10 is decided per word"
            else:
                assert all(inputs[0, p] == input_ids[0, p] for p in positions)
    share = selected_words / (200 * len(groups))
    assert 0.22 < share < 0.38


def test_token_masking_rate_and_80_10_10():
    input_ids = torch.randint(2000, 3000, (64, 128))
    word_ids = torch.arange(64 * 128).view(64, 128)  # every token its own group
    gen = torch.Generator().manual_seed(0)
    inputs, labels = mask_tokens(input_ids, word_ids, mask_prob=0.2, mask_token_id=103,
                                 random_ids=torch.arange(5000, 6000), generator=gen)
    chosen = labels != -100
    assert 0.18 < chosen.float().mean() < 0.22
    as_mask = (inputs[chosen] == 103).float().mean()
    as_random = (inputs[chosen] >= 5000).float().mean()
    assert 0.76 < as_mask < 0.84 and 0.07 < as_random < 0.13


# --------------------------------------------------------------------------- a tiny real run


def test_tiny_run_resume_and_determinism(tmp_path):
    from transformers import AutoModel

    first = run_pretraining(load_pretrain_config(write_config(tmp_path / "a")), show_progress=False, echo=None)
    out_a = tmp_path / "a" / "run"
    assert first["step"] == 8 and math.isfinite(first["train_loss"])
    assert 5 < first["train_loss"] < 12  # about ln(21128) = 9.96 at the start
    assert first["tokens_seen"] == 8 * 4 * 32
    assert first["corpus_tokens"] > 2000
    assert "这一行" not in json.dumps(first)
    state = json.loads((out_a / STATE_FILE).read_text(encoding="utf-8"))
    assert state["step"] == 8 and state["sequences"] == first["sequences"]
    model = AutoModel.from_pretrained(out_a)
    assert model.config.num_hidden_layers == 2 and model.config.hidden_size == 32
    with torch.no_grad():
        hidden = model(input_ids=torch.tensor([[101, 1277, 3124, 2424, 102]])).last_hidden_state
    assert hidden.shape == (1, 5, 32) and torch.isfinite(hidden).all()
    assert [step for step, _ in list_checkpoints(out_a)] == [4, 8]

    # the same seed gives the same weights
    run_pretraining(load_pretrain_config(write_config(tmp_path / "b")), show_progress=False, echo=None)
    assert same_weights(out_a, tmp_path / "b" / "run")

    # a run stopped after checkpoint 4 and resumed ends where the uninterrupted run ended
    out_c = tmp_path / "c" / "run"
    write_config(tmp_path / "c")
    shutil.copytree(out_a, out_c)
    shutil.rmtree(out_c / "checkpoint-8")
    for name in ("model.safetensors", STATE_FILE):
        (out_c / name).unlink()
    config_c = load_pretrain_config(tmp_path / "c" / "pretrain.yaml")
    with pytest.raises(ConfigError, match="--resume"):
        run_pretraining(config_c, show_progress=False, echo=None)
    messages: list[str] = []
    resumed = run_pretraining(config_c, resume=True, show_progress=False, echo=messages.append)
    assert any("resuming" in m and "step 4" in m for m in messages)
    assert resumed["step"] == 8 and resumed["tokens_seen"] == first["tokens_seen"]
    assert same_weights(out_a, out_c)

    # --max-steps extends a finished run
    longer = run_pretraining(load_pretrain_config(tmp_path / "c" / "pretrain.yaml", max_steps=10),
                             resume=True, show_progress=False, echo=None)
    assert longer["step"] == 10

    # domain adaptation: continue from a saved MLM folder, tokenizer taken from it
    adapt_path = write_config(tmp_path / "d", init={"from_pretrained": str(out_a)}, max_steps=2, save_every=0)
    data = yaml.safe_load(adapt_path.read_text(encoding="utf-8"))
    del data["tokenizer"]
    adapt_path.write_text(yaml.safe_dump(data), encoding="utf-8")
    adapted = run_pretraining(load_pretrain_config(adapt_path), show_progress=False, echo=None)
    assert adapted["step"] == 2 and math.isfinite(adapted["train_loss"])
    assert not same_weights(out_a, tmp_path / "d" / "run")

    # a changed seed cannot resume
    with pytest.raises(ConfigError, match="seed"):
        run_pretraining(load_pretrain_config(write_config(tmp_path / "c", seed=8)), resume=True,
                        show_progress=False, echo=None)


def test_cli_registers_pretrain():
    from govtag.cli import pretrain as cli

    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["pretrain", "--config", "x.yaml", "--resume", "--max-steps", "5"])
    assert args.handler is cli.run and args.resume and args.max_steps == 5 and args.config == Path("x.yaml")


@pytest.mark.parametrize("name", ["pretrain-mini.yaml", "pretrain-adapt.yaml"])
def test_shipped_configs_validate(name):
    path = REPO / "configs" / name
    config = load_pretrain_config(path)
    assert config.seq_len == 128 and config.mask_prob == 0.2
    if name == "pretrain-mini.yaml":
        arch = config.init.from_config
        assert (arch.layers, arch.hidden, arch.heads, arch.intermediate, arch.max_position) == (4, 256, 4, 768, 1024)
        assert (config.batch_size, config.lr, config.warmup_steps, config.max_steps) == (32, 1e-3, 200, 6333)
        assert config.min_lr_ratio == pytest.approx(0.1)
    else:
        assert config.init.from_pretrained and config.whole_word_masking
