// govtag web page: send reports to POST /v1/annotate and render the results.
// Offsets in results count Unicode code points (Python string indices), so the
// text is handled as an array of code points, never sliced as UTF-16.
(function () {
  "use strict";

  const LABELS = ["achievement", "problem", "plan", "other"];
  const ENTITY_TYPES = ["ORG", "DOC_NO", "NUM", "POLICY"];
  const LANGUAGE_KEY = "govtag.language";
  const { t } = window.govtagI18n;
  const $ = (id) => document.getElementById(id);

  const state = {
    results: [], // one {name, result, error} per file sent (or one for the pasted text)
    current: null, // the index in results of the result on show
    filter: null, // {kind: "label" | "type", key}
    occurrences: new Map(), // entity-list key -> the entities' starts, in text order
    cursor: new Map(), // entity-list key -> the occurrence the last click jumped to
  };

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

  function currentResult() {
    return state.current === null ? null : state.results[state.current].result;
  }

  // ---- the document ----

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
    // text between sentences (line breaks, mostly) is hidden with the sentences while a filter is on
    const gap = (start, end) => el("span", { class: "gap", text: chars.slice(start, end).join("") });
    let pos = 0;
    let first = 0; // first entity that may still overlap
    for (const sentence of sentences) {
      if (sentence.start > pos) container.append(gap(pos, sentence.start));
      while (first < entities.length && entities[first].end <= sentence.start) first++;
      const inside = [];
      for (let i = first; i < entities.length && entities[i].start < sentence.end; i++) inside.push(entities[i]);
      container.append(sentenceNode(chars, sentence, inside));
      pos = Math.max(pos, sentence.end);
    }
    if (pos < chars.length) container.append(gap(pos, chars.length));
  }

  // The sentence node holding character `offset`, or null.
  function sentenceAt(offset) {
    for (const node of $("document").querySelectorAll(".sent")) {
      if (Number(node.dataset.start) <= offset && offset < Number(node.dataset.end)) return node;
    }
    return null;
  }

  // Scroll to a sentence and highlight it (and the entity starting at `entityStart`, when given).
  function focusSentence(node, entityStart) {
    if (!node) return;
    if (node.classList.contains("filtered-out")) setFilter(null);
    for (const old of $("document").querySelectorAll(".focused")) old.classList.remove("focused");
    node.classList.add("focused");
    if (entityStart !== undefined) {
      for (const mark of node.querySelectorAll(`mark[data-start="${entityStart}"]`)) mark.classList.add("focused");
    }
    node.scrollIntoView({ block: "center" });
  }

  // ---- the side panel ----

  function fillCounts(tableId, counts, keys, kind) {
    const body = $(tableId).querySelector("tbody");
    body.replaceChildren(
      ...keys.map((key) =>
        el("tr", { "data-key": key }, [
          el("td", {}, [
            el("button", { type: "button", class: "filter", "data-kind": kind, "data-key": key, "aria-pressed": "false" }, [
              el("span", { class: kind === "label" ? `swatch label-${key}` : `swatch ent-${key}` }),
              key,
            ]),
          ]),
          el("td", { class: "num", text: String(counts[key] ?? 0) }),
        ])
      )
    );
  }

  // The entities grouped by type, one entry per distinct text with how often it occurs.
  function renderEntityList(entities) {
    state.occurrences = new Map();
    state.cursor = new Map();
    const groups = [];
    for (const type of ENTITY_TYPES) {
      const ofType = entities.filter((entity) => entity.type === type).sort((a, b) => a.start - b.start);
      if (!ofType.length) continue;
      const byText = new Map();
      for (const entity of ofType) {
        const key = `${type}\u0000${entity.text}`;
        if (!byText.has(key)) byText.set(key, { text: entity.text, starts: [] });
        byText.get(key).starts.push(entity.start);
      }
      const items = [...byText.entries()].map(([key, entry]) => {
        state.occurrences.set(key, entry.starts);
        return el("li", {}, [
          el("button", { type: "button", class: `to-entity ent-${type}`, "data-key": key, title: t("jumpTitle", { n: entry.starts.length }) }, [
            entry.text,
            el("span", { class: "count", text: entry.starts.length > 1 ? ` ×${entry.starts.length}` : "" }),
          ]),
        ]);
      });
      groups.push(
        el("details", { class: "ent-group", "data-type": type, open: "" }, [
          el("summary", {}, [el("span", { class: `swatch ent-${type}` }), type, el("span", { class: "count", text: ` (${ofType.length})` })]),
          el("ul", {}, items),
        ])
      );
    }
    $("entity-list").replaceChildren(...(groups.length ? groups : [el("p", { class: "note", text: t("noEntities") })]));
  }

  function renderIndicators(result) {
    const body = $("indicators").querySelector("tbody");
    body.replaceChildren(
      ...result.summary.indicators.map((row) =>
        el("tr", { title: row.sentence ?? "", "data-start": String(row.start), "data-sentence": String(row.sentence_start ?? "") }, [
          el("td", {}, [el("a", { href: "#", class: "to-sentence", text: row.metric ?? row.text })]),
          el("td", { class: "num", text: (row.approximate ? "≈" : "") + String(row.value) }),
          el("td", { text: row.unit }),
          el("td", { text: row.kind ?? "" }),
          el("td", {}, [el("span", { class: `sent label-${row.label}`, text: row.label })]),
        ])
      )
    );
  }

  // ---- filters ----

  function entitiesShown(result) {
    const filter = state.filter;
    if (!filter) return result.entities;
    if (filter.kind === "type") return result.entities.filter((entity) => entity.type === filter.key);
    const kept = result.sentences.filter((sentence) => sentence.label === filter.key);
    return result.entities.filter((entity) => kept.some((s) => entity.start < s.end && entity.end > s.start));
  }

  function setFilter(filter) {
    state.filter = filter;
    const result = currentResult();
    if (!result) return;
    for (const node of $("document").querySelectorAll(".sent")) {
      let keep = true;
      if (filter && filter.kind === "label") keep = node.dataset.label === filter.key;
      if (filter && filter.kind === "type") keep = node.querySelector(`mark[data-type="${filter.key}"]`) !== null;
      node.classList.toggle("filtered-out", !keep);
    }
    $("document").classList.toggle("filtering", Boolean(filter));
    for (const mark of $("document").querySelectorAll("mark.ent")) {
      mark.classList.toggle("muted", Boolean(filter && filter.kind === "type" && mark.dataset.type !== filter.key));
    }
    for (const button of document.querySelectorAll("#side-panel button.filter")) {
      const active = Boolean(filter && button.dataset.kind === filter.kind && button.dataset.key === filter.key);
      button.classList.toggle("active", active);
      button.setAttribute("aria-pressed", String(active));
    }
    $("filter-note").hidden = !filter;
    $("filter-text").textContent = filter ? t("filterActive", { key: filter.key }) : "";
    renderEntityList(entitiesShown(result));
  }

  function onSideClick(event) {
    const filterButton = event.target.closest("button.filter");
    if (filterButton) {
      const { kind, key } = filterButton.dataset;
      const same = state.filter && state.filter.kind === kind && state.filter.key === key;
      setFilter(same ? null : { kind, key });
      return;
    }
    const entityButton = event.target.closest("button.to-entity");
    if (entityButton) {
      const key = entityButton.dataset.key;
      const starts = state.occurrences.get(key) || [];
      if (!starts.length) return;
      const next = state.cursor.has(key) ? (state.cursor.get(key) + 1) % starts.length : 0;
      state.cursor.set(key, next);
      focusSentence(sentenceAt(starts[next]), starts[next]);
      return;
    }
    const link = event.target.closest("a.to-sentence");
    if (link) {
      event.preventDefault();
      const row = link.closest("tr");
      const sentenceStart = row.dataset.sentence;
      const node = sentenceStart
        ? $("document").querySelector(`.sent[data-start="${sentenceStart}"]`)
        : sentenceAt(Number(row.dataset.start));
      focusSentence(node, Number(row.dataset.start));
    }
  }

  // ---- showing results ----

  function renderMeta(result) {
    $("doc-meta").textContent =
      t("docMeta", {
        id: result.id,
        chars: result.chars,
        sentences: result.sentences.length,
        entities: result.entities.length,
        backend: result.backend,
      }) + (result.model_version ? ` (${result.model_version})` : "");
  }

  function show(index) {
    state.current = index;
    const result = currentResult();
    renderMeta(result);
    renderDocument(result);
    fillCounts("label-counts", result.summary.labels, LABELS, "label");
    fillCounts("entity-counts", result.summary.entities, ENTITY_TYPES, "type");
    renderIndicators(result);
    setFilter(null);
    $("output").hidden = false;
    renderResultsList();
  }

  function renderResultsList() {
    const panel = $("results-panel");
    panel.hidden = state.results.length < 2;
    $("results").replaceChildren(
      ...state.results.map((entry, index) => {
        const detail = entry.result
          ? t("resultOk", { sentences: entry.result.sentences.length, entities: entry.result.entities.length })
          : entry.error;
        const item = el("li", { class: entry.result ? "ok" : "failed", "data-name": entry.name }, [
          entry.result
            ? el("button", { type: "button", class: "show-result", "data-index": String(index), text: entry.name })
            : el("span", { class: "name", text: entry.name }),
          el("span", { class: "detail", text: ` ${detail}` }),
        ]);
        if (index === state.current) item.classList.add("current");
        return item;
      })
    );
  }

  function clearResults() {
    state.results = [];
    state.current = null;
    state.filter = null;
    $("output").hidden = true;
    $("document").replaceChildren();
    $("results-panel").hidden = true;
    $("results").replaceChildren();
    showError("");
  }

  // ---- input ----

  function updateFileNote() {
    const files = [...$("file-input").files];
    const note = $("file-note");
    $("text-input").disabled = files.length > 0;
    $("clear-files").hidden = files.length === 0;
    note.hidden = files.length === 0;
    const names = files.map((file) => file.name).join("、");
    note.textContent = files.length === 1 ? t("fileWillBeSent", { names }) : t("filesWillBeSent", { n: files.length, names });
  }

  function clearFiles() {
    $("file-input").value = "";
    updateFileNote();
    $("text-input").focus();
  }

  async function annotate(request) {
    try {
      const response = await fetch("/v1/annotate", request);
      const body = await response.json().catch(() => null);
      if (!response.ok) {
        return { error: body && body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}` };
      }
      return { result: body };
    } catch (err) {
      return { error: t("requestFailed", { error: String(err) }) };
    }
  }

  function requests() {
    const backend = $("backend-select").value;
    const options = backend ? { backend } : {};
    const files = [...$("file-input").files];
    if (files.length) {
      return files.map((file) => {
        const form = new FormData();
        form.append("file", file, file.name);
        form.append("options", JSON.stringify(options));
        return { name: file.name, request: { method: "POST", body: form } };
      });
    }
    const text = $("text-input").value;
    if (!text.trim()) return [];
    const body = JSON.stringify({ text, id: "pasted", options });
    return [{ name: "pasted", request: { method: "POST", headers: { "Content-Type": "application/json" }, body } }];
  }

  async function submit(event) {
    event.preventDefault();
    clearResults();
    const jobs = requests();
    if (!jobs.length) {
      showError(t("needInput"));
      return;
    }
    $("submit-button").disabled = true;
    try {
      for (const [i, job] of jobs.entries()) {
        $("status").textContent = jobs.length > 1 ? t("annotatingFile", { name: job.name, i: i + 1, n: jobs.length }) : t("annotating");
        state.results.push({ name: job.name, ...(await annotate(job.request)) });
        renderResultsList();
      }
    } finally {
      $("submit-button").disabled = false;
      $("status").textContent = "";
    }
    const failed = state.results.filter((entry) => !entry.result).length;
    const firstOk = state.results.findIndex((entry) => entry.result);
    if (firstOk >= 0) show(firstOk);
    if (jobs.length === 1 && failed) showError(state.results[0].error);
    else if (failed) showError(t("someFailed", { failed, n: jobs.length }));
  }

  // ---- downloads ----

  function save(content, type, filename) {
    const url = URL.createObjectURL(new Blob([content], { type }));
    const link = el("a", { href: url, download: filename });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function downloadJson() {
    const result = currentResult();
    if (result) save(JSON.stringify(result, null, 2), "application/json", `${result.id || "result"}.json`);
  }

  function downloadCsv() {
    const result = currentResult();
    if (result) save(window.govtagCsv.sentencesCsv(result), "text/csv;charset=utf-8", `${result.id || "result"}.csv`);
  }

  // ---- language ----

  function rememberedLanguage() {
    try {
      return window.localStorage.getItem(LANGUAGE_KEY) || "zh";
    } catch {
      return "zh";
    }
  }

  function toggleLanguage() {
    const next = window.govtagI18n.language() === "zh" ? "en" : "zh";
    try {
      window.localStorage.setItem(LANGUAGE_KEY, next);
    } catch {
      // a browser without storage still switches, for this visit
    }
    window.govtagI18n.setLanguage(next);
  }

  window.govtagI18n.onChange(() => {
    if ($("file-input").files.length) updateFileNote();
    const result = currentResult();
    if (result) {
      renderMeta(result);
      setFilter(state.filter);
    }
    renderResultsList();
  });

  $("annotate-form").addEventListener("submit", submit);
  $("file-input").addEventListener("change", updateFileNote);
  $("clear-files").addEventListener("click", clearFiles);
  $("download-json").addEventListener("click", downloadJson);
  $("download-csv").addEventListener("click", downloadCsv);
  $("side-panel").addEventListener("click", onSideClick);
  $("results").addEventListener("click", (event) => {
    const button = event.target.closest("button.show-result");
    if (button) show(Number(button.dataset.index));
  });
  $("clear-filter").addEventListener("click", () => setFilter(null));
  $("lang-toggle").addEventListener("click", toggleLanguage);
  window.govtagI18n.setLanguage(rememberedLanguage());
  updateFileNote();
})();
