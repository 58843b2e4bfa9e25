// govtag web page: send a report to POST /v1/annotate and render the result.
// Offsets in results count Unicode code points (Python string indices), so the
// text is handled as an array of code points, never sliced as UTF-16.
(function () {
  "use strict";

  const LABELS = ["achievement", "problem", "plan", "other"];
  const ENTITY_TYPES = ["ORG", "DOC_NO", "NUM", "POLICY"];
  const $ = (id) => document.getElementById(id);
  let lastResult = null;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function showError(message) {
    const box = $("error");
    box.textContent = message;
    box.hidden = !message;
  }

  function scoresTitle(sentence) {
    const parts = LABELS.map((label) => `${label} ${(sentence.scores[label] ?? 0).toFixed(2)}`);
    return `${sentence.label} (${(sentence.scores[sentence.label] ?? 0).toFixed(2)}) · ${parts.join(" · ")}`;
  }

  // The sentence's text with its entities wrapped in <mark>; entities are clipped to the sentence.
  function sentenceNode(chars, sentence, entities) {
    const span = el("span", {
      class: `sent label-${sentence.label}${sentence.is_heading ? " heading" : ""}`,
      title: scoresTitle(sentence),
      "data-label": sentence.label,
      "data-score": String(sentence.scores[sentence.label] ?? 0),
      "data-start": String(sentence.start),
      "data-end": String(sentence.end),
    });
    let pos = sentence.start;
    for (const entity of entities) {
      const start = Math.max(entity.start, pos);
      const end = Math.min(entity.end, sentence.end);
      if (end <= start) continue;
      if (start > pos) span.append(chars.slice(pos, start).join(""));
      span.append(
        el("mark", {
          class: `ent ent-${entity.type}`,
          title: `${entity.type} (${entity.score.toFixed(2)}, ${entity.source})`,
          "data-type": entity.type,
          "data-start": String(entity.start),
          "data-end": String(entity.end),
          text: chars.slice(start, end).join(""),
        })
      );
      pos = end;
    }
    if (pos < sentence.end) span.append(chars.slice(pos, sentence.end).join(""));
    return span;
  }

  function renderDocument(result) {
    const chars = Array.from(result.text || "");
    const container = $("document");
    container.replaceChildren();
    const sentences = [...result.sentences].sort((a, b) => a.start - b.start);
    const entities = [...result.entities].sort((a, b) => a.start - b.start);
    let pos = 0;
    let first = 0; // first entity that may still overlap
    for (const sentence of sentences) {
      if (sentence.start > pos) container.append(chars.slice(pos, sentence.start).join(""));
      while (first < entities.length && entities[first].end <= sentence.start) first++;
      const inside = [];
      for (let i = first; i < entities.length && entities[i].start < sentence.end; i++) inside.push(entities[i]);
      container.append(sentenceNode(chars, sentence, inside));
      pos = Math.max(pos, sentence.end);
    }
    if (pos < chars.length) container.append(chars.slice(pos).join(""));
  }

  function fillCounts(tableId, counts, keys, kind) {
    const body = $(tableId).querySelector("tbody");
    body.replaceChildren(
      ...keys.map((key) =>
        el("tr", { "data-key": key }, [
          el("td", {}, [el("span", { class: kind === "label" ? `swatch label-${key}` : `swatch ent-${key}` }), key]),
          el("td", { class: "num", text: String(counts[key] ?? 0) }),
        ])
      )
    );
  }

  function renderSide(result) {
    fillCounts("label-counts", result.summary.labels, LABELS, "label");
    fillCounts("entity-counts", result.summary.entities, ENTITY_TYPES, "entity");
    const body = $("indicators").querySelector("tbody");
    body.replaceChildren(
      ...result.summary.indicators.map((row) =>
        el("tr", { title: row.sentence, "data-start": String(row.start), "data-sentence": String(row.sentence_start) },
        [
          el("td", {}, [el("a", { href: "#", class: "to-sentence", text: row.metric ?? "—" })]),
          el("td", { class: "num", text: (row.approximate ? "≈" : "") + String(row.value) }),
          el("td", { text: row.unit }),
          el("td", { text: row.kind ?? "" }),
          el("td", {}, [el("span", { class: `sent label-${row.label}`, text: row.label })]),
        ])
      )
    );
  }

  function showSentence(event) {
    const link = event.target.closest("a.to-sentence");
    if (!link) return;
    event.preventDefault();
    const start = link.closest("tr").dataset.sentence;
    const node = $("document").querySelector(`.sent[data-start="${start}"]`);
    if (node) node.scrollIntoView({ block: "center" });
  }

  function render(result) {
    lastResult = result;
    $("doc-meta").textContent =
      `${result.id} · ${result.chars} characters · ${result.sentences.length} sentences · ` +
      `${result.entities.length} entities · backend ${result.backend}` +
      (result.model_version ? ` (${result.model_version})` : "");
    renderDocument(result);
    renderSide(result);
    $("output").hidden = false;
  }

  async function submit(event) {
    event.preventDefault();
    showError("");
    const file = $("file-input").files[0];
    const text = $("text-input").value;
    const backend = $("backend-select").value;
    const options = backend ? { backend } : {};
    let request;
    if (file) {
      const form = new FormData();
      form.append("file", file, file.name);
      form.append("options", JSON.stringify(options));
      request = { method: "POST", body: form };
    } else {
      if (!text.trim()) {
        showError("Paste a report or choose a file first.");
        return;
      }
      request = {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text, id: "pasted", options }),
      };
    }
    $("submit-button").disabled = true;
    $("status").textContent = "annotating…";
    try {
      const response = await fetch("/v1/annotate", request);
      const body = await response.json().catch(() => null);
      if (!response.ok) {
        const message = body && body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`;
        showError(message);
        return;
      }
      render(body);
    } catch (err) {
      showError(`request failed: ${err}`);
    } finally {
      $("submit-button").disabled = false;
      $("status").textContent = "";
    }
  }

  function download() {
    if (!lastResult) return;
    const blob = new Blob([JSON.stringify(lastResult, null, 2)], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const link = el("a", { href: url, download: `${lastResult.id || "result"}.json` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  $("annotate-form").addEventListener("submit", submit);
  $("download-json").addEventListener("click", download);
  $("indicators").addEventListener("click", showSentence);
})();
