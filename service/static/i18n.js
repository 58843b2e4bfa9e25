// Interface text of the web page in Chinese (the default) and English.
// Label and entity type codes (achievement, ORG, ...) are shown as they are in the JSON, in both.
// Elements name their text with data-i18n (textContent), data-i18n-placeholder and data-i18n-title.
(function () {
  "use strict";

  const STRINGS = {
    zh: {
      title: "govtag：法治政府报告标注",
      intro: "粘贴或上传法治政府建设报告：每个句子按标签着色，实体高亮显示。",
      switchLanguage: "English",
      textLabel: "报告文本",
      textPlaceholder: "粘贴报告全文……",
      fileLabel: "或选择文件（txt、html、docx、pdf，可多选）",
      useText: "改用粘贴的文本",
      backendLabel: "标注方式",
      backendDefault: "服务器默认",
      submit: "标注",
      annotating: "正在标注……",
      annotatingFile: "正在标注 {name}（{i}/{n}）……",
      needInput: "请先粘贴报告文本或选择文件。",
      fileWillBeSent: "将发送文件：{names}。文本框已停用，其中的文字不会发送。",
      filesWillBeSent: "将逐个发送 {n} 个文件：{names}。文本框已停用，其中的文字不会发送。",
      requestFailed: "请求失败：{error}",
      someFailed: "{failed} / {n} 个文件标注失败，见下方列表。",
      results: "结果（按文件）",
      resultOk: "{sentences} 句 · {entities} 个实体",
      downloadJson: "下载 JSON",
      downloadCsv: "下载 CSV",
      csvTitle: "每句一行：doc_id, index, start, end, is_heading, label, score_achievement, score_problem, score_plan, score_other, text, entities（JSON 列表）",
      docMeta: "{id} · {chars} 字 · {sentences} 句 · {entities} 个实体 · 标注方式 {backend}",
      filters: "筛选",
      filterActive: "当前筛选：{key}（再次点击取消）",
      clearFilter: "取消筛选",
      labels: "标签",
      entityTypes: "实体类型",
      entityList: "实体列表",
      indicators: "指标",
      colMetric: "指标名称",
      colValue: "数值",
      colUnit: "单位",
      colKind: "类型",
      colLabel: "标签",
      noEntities: "没有找到实体。",
      jumpTitle: "点击跳到所在句子（共 {n} 处，再次点击跳到下一处）",
      legend: "图例",
    },
    en: {
      title: "govtag: rule-of-law report tagger",
      intro: "Paste or upload a rule-of-law government report: every sentence is coloured by its label, entities are highlighted.",
      switchLanguage: "中文",
      textLabel: "Report text",
      textPlaceholder: "Paste the whole report…",
      fileLabel: "or choose files (txt, html, docx, pdf; several at once)",
      useText: "Use the pasted text instead",
      backendLabel: "Backend",
      backendDefault: "server default",
      submit: "Annotate",
      annotating: "annotating…",
      annotatingFile: "annotating {name} ({i}/{n})…",
      needInput: "Paste a report or choose a file first.",
      fileWillBeSent: "The file {names} will be sent. The text box is disabled; its text is not sent.",
      filesWillBeSent: "{n} files will be sent one by one: {names}. The text box is disabled; its text is not sent.",
      requestFailed: "request failed: {error}",
      someFailed: "{failed} of {n} files failed, see the list below.",
      results: "Results (per file)",
      resultOk: "{sentences} sentences · {entities} entities",
      downloadJson: "Download JSON",
      downloadCsv: "Download CSV",
      csvTitle: "One row per sentence: doc_id, index, start, end, is_heading, label, score_achievement, score_problem, score_plan, score_other, text, entities (a JSON list)",
      docMeta: "{id} · {chars} characters · {sentences} sentences · {entities} entities · backend {backend}",
      filters: "Filter",
      filterActive: "Filtered by {key} (click it again to clear)",
      clearFilter: "Clear filter",
      labels: "Labels",
      entityTypes: "Entity types",
      entityList: "Entities found",
      indicators: "Indicators",
      colMetric: "metric",
      colValue: "value",
      colUnit: "unit",
      colKind: "kind",
      colLabel: "label",
      noEntities: "No entities found.",
      jumpTitle: "Click to jump to its sentence ({n} in all; click again for the next)",
      legend: "Legend",
    },
  };

  let language = "zh";
  const listeners = [];

  function t(key, params) {
    const template = STRINGS[language][key] ?? STRINGS.zh[key] ?? key;
    return template.replace(/\{(\w+)\}/g, (_, name) => String((params || {})[name] ?? ""));
  }

  function apply(root) {
    for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of root.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
    for (const node of root.querySelectorAll("[data-i18n-title]")) node.title = t(node.dataset.i18nTitle);
  }

  function setLanguage(next) {
    language = next in STRINGS ? next : "zh";
    document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
    document.title = t("title");
    apply(document);
    for (const listener of listeners) listener(language);
  }

  window.govtagI18n = {
    t,
    setLanguage,
    language: () => language,
    languages: Object.keys(STRINGS),
    onChange: (listener) => listeners.push(listener),
  };
})();
