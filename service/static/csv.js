// The sentences of one result as CSV (RFC 4180, UTF-8 with a byte order mark so spreadsheets read the Chinese).
// Columns as the `sentences` table of docs/output.md, plus is_heading and the sentence's entities
// as a JSON list of {type, text, start, end} (lists are JSON there too).
(function () {
  "use strict";

  const LABELS = ["achievement", "problem", "plan", "other"];
  const COLUMNS = [
    "doc_id", "index", "start", "end", "is_heading", "label",
    ...LABELS.map((label) => `score_${label}`), "text", "entities",
  ];

  function cell(value) {
    const text = value === null || value === undefined ? "" : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }

  function sentencesCsv(result) {
    const chars = Array.from(result.text || "");
    const sentences = [...result.sentences].sort((a, b) => a.start - b.start);
    const rows = sentences.map((sentence, index) => {
      const entities = result.entities
        .filter((entity) => entity.start < sentence.end && entity.end > sentence.start)
        .map((entity) => ({ type: entity.type, text: entity.text, start: entity.start, end: entity.end }));
      const text = sentence.text ?? (chars.length ? chars.slice(sentence.start, sentence.end).join("") : null);
      return [
        result.id, index, sentence.start, sentence.end, sentence.is_heading ? "true" : "false", sentence.label,
        ...LABELS.map((label) => sentence.scores[label] ?? 0), text, JSON.stringify(entities),
      ];
    });
    return "\ufeff" + [COLUMNS, ...rows].map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
  }

  window.govtagCsv = { COLUMNS, sentencesCsv };
})();
