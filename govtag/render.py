"""Human-readable renderings of a result (Markdown)."""

from __future__ import annotations

from govtag import ENTITY_TYPES, LABELS
from govtag.schema import DocumentResult

_LABEL_TITLES = {"achievement": "Achievements", "problem": "Problems", "plan": "Plans", "other": "Other"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(result: DocumentResult) -> str:
    """Tagged sentences grouped by label, then the entities and the indicator table."""
    lines = [f"# {result.id}", ""]
    counts = ", ".join(f"{label} {result.summary.labels[label]}" for label in LABELS)
    lines += [f"backend: {result.backend}" + (f" ({result.model_version})" if result.model_version else ""),
              f"sentences: {counts}", ""]
    for label in LABELS:
        sentences = [s for s in result.sentences if s.label == label]
        if not sentences:
            continue
        lines += [f"## {_LABEL_TITLES[label]} ({len(sentences)})", ""]
        for s in sentences:
            marker = "**" if s.is_heading else ""
            lines.append(f"- {marker}{s.text}{marker} `{s.start}-{s.end}` ({s.scores[label]:.2f})")
        lines.append("")
    lines += ["## Entities", ""]
    for etype in ENTITY_TYPES:
        found = [e for e in result.entities if e.type == etype]
        if found:
            lines.append(f"- **{etype}** ({len(found)}): " + "; ".join(f"{e.text} `{e.start}`" for e in found))
    if result.summary.indicators:
        lines += ["", "## Indicators", "", "| metric | value | unit | kind | approx. | label | sentence |",
                  "|---|---:|---|---|---|---|---|"]
        for row in result.summary.indicators:
            lines.append(
                f"| {_cell(row.metric or '—')} | {row.value:g} | {_cell(row.unit)} | {row.kind or ''}"
                f" | {'yes' if row.approximate else ''} | {row.label} | {_cell((row.sentence or '')[:60])} |"
            )
    return "\n".join(lines) + "\n"
