"""Turn a sentence and its heading path into model windows, and tags back into character spans.

A sentence longer than one window is cut into overlapping windows; each token is
owned by the window where it sits furthest from an edge, so no text is ever
truncated and every token gets exactly one prediction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from govtag.model.network import BIO_TAGS

TAG_INDEX = {tag: i for i, tag in enumerate(BIO_TAGS)}
IGNORE = -100


@dataclass
class Window:
    """One model input. ``token_chars[i]`` is the (start, end) in the sentence of window token i, or None."""

    input_ids: list[int]
    token_type_ids: list[int]
    sentence_mask: list[int]
    token_chars: list[tuple[int, int] | None]
    owned: list[bool] = field(default_factory=list)  # tokens this window predicts for
    tag_ids: list[int] = field(default_factory=list)  # training targets (IGNORE where unsupervised)


@dataclass(frozen=True)
class EncodingSettings:
    max_length: int = 128
    context_tokens: int = 48
    stride: int = 32  # tokens shared by neighbouring windows


def char_tags(length: int, entities: list[tuple[int, int, str]]) -> list[str]:
    tags = ["O"] * length
    for start, end, etype in entities:
        if start >= end:
            continue
        tags[start] = f"B-{etype}"
        for i in range(start + 1, min(end, length)):
            tags[i] = f"I-{etype}"
    return tags


def token_tag(char_labels: list[str], start: int, end: int) -> str:
    """The tag of a token from the tags of its characters: B if an entity starts inside it."""
    first = char_labels[start]
    if first != "O":
        return first
    for label in char_labels[start + 1 : end]:
        if label.startswith("B-"):
            return label
    return "O"


def encode_sentence(
    tokenizer,
    text: str,
    context: str,
    settings: EncodingSettings,
    entities: list[tuple[int, int, str]] | None = None,
) -> list[Window]:
    """Windows for one sentence; with ``entities`` the windows carry BIO targets."""
    sentence = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids_b: list[int] = tokenizer(context, add_special_tokens=False)["input_ids"] if context else []
    return windows_of(tokenizer, text, sentence["input_ids"], sentence["offset_mapping"], ids_b, settings, entities)


def encode_many(tokenizer, items: list[tuple[str, str]], settings: EncodingSettings) -> list[list[Window]]:
    """:func:`encode_sentence` for many (sentence, context) pairs, tokenised in one call.

    Batch tokenisation runs in the fast tokenizer's own threads, and a document's few
    distinct heading paths are tokenised once each.
    """
    if not items:
        return []
    encoded = tokenizer([text for text, _ in items], add_special_tokens=False, return_offsets_mapping=True)
    contexts = sorted({context for _, context in items if context})
    context_ids = dict(zip(contexts, tokenizer(contexts, add_special_tokens=False)["input_ids"])) if contexts else {}
    return [
        windows_of(tokenizer, text, ids, offsets, context_ids.get(context, []), settings)
        for (text, context), ids, offsets in zip(items, encoded["input_ids"], encoded["offset_mapping"])
    ]


def windows_of(
    tokenizer,
    text: str,
    ids_a: list[int],
    offsets: list,
    context_ids: list[int],
    settings: EncodingSettings,
    entities: list[tuple[int, int, str]] | None = None,
) -> list[Window]:
    """Cut a tokenised sentence (plus its tokenised heading path) into windows."""
    offsets_a: list[tuple[int, int]] = [tuple(o) for o in offsets]
    ids_b = context_ids[: settings.context_tokens]
    room = settings.max_length - len(ids_b) - 3
    if room < 8:
        ids_b, room = [], settings.max_length - 3
    labels = char_tags(len(text), entities) if entities is not None else None

    starts = [0]
    step = max(1, room - settings.stride)
    while starts[-1] + room < len(ids_a):
        starts.append(starts[-1] + step)
    windows = []
    for w, begin in enumerate(starts):
        end = min(begin + room, len(ids_a))
        chunk = range(begin, end)
        input_ids = [tokenizer.cls_token_id, *ids_a[begin:end], tokenizer.sep_token_id]
        token_types = [0] * len(input_ids)
        if ids_b:
            input_ids += [*ids_b, tokenizer.sep_token_id]
            token_types += [1] * (len(ids_b) + 1)
        token_chars: list[tuple[int, int] | None] = [None, *(offsets_a[i] for i in chunk), None]
        token_chars += [None] * (len(input_ids) - len(token_chars))
        owned = [False] * len(input_ids)
        for pos, i in enumerate(chunk, start=1):
            owned[pos] = _owner(i, w, starts, room, len(ids_a)) == w
        window = Window(
            input_ids=input_ids,
            token_type_ids=token_types,
            sentence_mask=[0] + [1] * len(chunk) + [0] * (len(input_ids) - len(chunk) - 1),
            token_chars=token_chars,
            owned=owned,
        )
        if labels is not None:
            window.tag_ids = [
                TAG_INDEX[token_tag(labels, c[0], c[1])] if c is not None and c[1] > c[0] else IGNORE
                for c in token_chars
            ]
        windows.append(window)
    return windows


def _owner(token: int, current: int, starts: list[int], room: int, total: int) -> int:
    """The window index in which ``token`` is furthest from an edge."""
    best, best_margin = current, -1
    for w, begin in enumerate(starts):
        end = min(begin + room, total)
        if begin <= token < end:
            margin = min(token - begin, end - 1 - token)
            if margin > best_margin:
                best, best_margin = w, margin
    return best


# --- decoding -------------------------------------------------------------------------------

def _allowed_transitions() -> np.ndarray:
    """allowed[i, j]: tag j may follow tag i. I-X only after B-X or I-X."""
    n = len(BIO_TAGS)
    allowed = np.ones((n, n), dtype=bool)
    for j, tag in enumerate(BIO_TAGS):
        if tag.startswith("I-"):
            etype = tag[2:]
            for i, prev in enumerate(BIO_TAGS):
                allowed[i, j] = prev in (f"B-{etype}", f"I-{etype}")
    return allowed


_ALLOWED = _allowed_transitions()
_START_ALLOWED = np.array([not t.startswith("I-") for t in BIO_TAGS])


def viterbi(log_probs: np.ndarray) -> list[int]:
    """Best tag sequence under the BIO constraints (constrained decoding instead of a CRF).

    Transitions carry no score, only the constraints, so when the per-token argmax is
    itself a valid sequence it is the optimum; the dynamic programme runs only otherwise.
    """
    steps, n = log_probs.shape
    if steps == 0:
        return []
    greedy = log_probs.argmax(1)
    if _START_ALLOWED[greedy[0]] and _ALLOWED[greedy[:-1], greedy[1:]].all():
        return greedy.tolist()
    penalty = np.where(_ALLOWED, 0.0, -1e9)
    score = np.where(_START_ALLOWED, log_probs[0], -1e9)
    back = np.zeros((steps, n), dtype=np.int64)
    for t in range(1, steps):
        total = score[:, None] + penalty
        back[t] = total.argmax(0)
        score = total.max(0) + log_probs[t]
    path = [int(score.argmax())]
    for t in range(steps - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


def spans_from_tags(
    tags: list[int], chars: list[tuple[int, int]], probs: list[float]
) -> list[tuple[int, int, str, float]]:
    """(start, end, type, score) spans in sentence characters from per-token tag ids."""
    spans = []
    current: list | None = None
    for tag_id, (start, end), prob in zip(tags, chars, probs):
        tag = BIO_TAGS[tag_id]
        if tag.startswith("B-") or (tag.startswith("I-") and (current is None or current[2] != tag[2:])):
            if current:
                spans.append(current)
            current = [start, end, tag[2:], [prob]]
        elif tag.startswith("I-") and current is not None:
            current[1] = end
            current[3].append(prob)
        else:
            if current:
                spans.append(current)
            current = None
    if current:
        spans.append(current)
    return [(s, e, t, float(np.mean(p))) for s, e, t, p in spans]
