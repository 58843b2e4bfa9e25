"""The Python API: govtag.load(), nlp(text), nlp.pipe(...), sentences with entities, frames, spaCy and JSON."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import govtag
from govtag.corpus.tables import SCHEMAS
from govtag.errors import ModelNotFoundError
from govtag.schema import DocumentResult
from tests.paths import ROOT, SEEDS
from tests.test_cli import govtag as govtag_cli

SEED = SEEDS / "reports" / "ludian-2020.txt"


@pytest.fixture(scope="module")
def nlp():
    return govtag.load(backend="rules", config=ROOT / "configs" / "govtag.yaml")


def readme_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Python API\n") : readme.index("\n## ", readme.index("## Python API\n") + 1)]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def test_the_readme_example_runs_as_written():
    proc = subprocess.run([sys.executable, "-c", readme_example()], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.startswith("ludian-2020 txt ")  # the default model's version follows
    assert "ledu-2020" in proc.stdout and '{"id":"ludian-2020"' in proc.stdout


def test_a_result_is_the_json_output(nlp, tmp_path):
    result = nlp(SEED)
    assert isinstance(result, DocumentResult) and result.id == "ludian-2020"
    proc = govtag_cli("annotate", str(SEED), "--backend", "rules", "--config", str(ROOT / "configs" / "govtag.yaml"))
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(result.to_json()) == json.loads(proc.stdout)
    text = nlp("一、工作开展情况\n印发《实施方案》，办理案件12件。", id="mine")
    assert text.id == "mine" and text.source.path is None and text.source.format == "txt"


def test_each_sentence_carries_the_entities_inside_it(nlp):
    result = nlp(SEED)
    carried = [(sentence, entity) for sentence in result.sentences for entity in sentence.entities]
    assert len(carried) == len(result.entities) > 50  # every entity of this report lies inside a sentence
    for sentence, entity in carried:
        assert sentence.start <= entity.start < sentence.end
        assert result.text[entity.start : entity.end] == entity.text
    assert "entities" not in json.loads(result.to_json())["sentences"][0]  # the JSON stays as it was


def test_pipe_is_a_generator_that_batches_across_documents(nlp, monkeypatch):
    calls: list[list[str]] = []
    annotate = nlp.pipeline.annotate_documents

    def counting(documents, options=None):
        calls.append([d.id for d in documents])
        return annotate(documents, options)

    monkeypatch.setattr(nlp.pipeline, "annotate_documents", counting)
    reports = sorted((SEEDS / "reports").glob("*.txt"))
    inputs = [*reports, "下一步，我们将继续推进依法行政。"]
    stream = nlp.pipe(inputs, batch_size=2)
    assert inspect.isgenerator(stream) and calls == []
    first = next(stream)
    assert first.id == reports[0].stem and calls == [[reports[0].stem, reports[1].stem]]
    rest = list(stream)
    assert [r.id for r in [first, *rest]] == [*(p.stem for p in reports), f"doc-{len(inputs)}"]
    assert [len(batch) for batch in calls] == [2, 2, 2]
    with pytest.raises(ValueError, match="batch_size"):
        next(nlp.pipe(["x"], batch_size=0))


def test_frames_have_the_columns_of_the_tables(nlp):
    result = nlp(SEED)
    sentences, entities = result.sentences_frame(), result.entities_frame()
    assert list(sentences.columns) == SCHEMAS["sentences"].names and len(sentences) == len(result.sentences)
    assert list(entities.columns) == SCHEMAS["entities"].names and len(entities) == len(result.entities)
    assert (sentences["doc_id"] == "ludian-2020").all()
    assert list(entities["text"]) == [e.text for e in result.entities]


def test_to_spacy_gives_sents_ents_and_cats(nlp):
    result = nlp(SEED)
    doc = result.to_spacy()
    assert doc.text == result.text
    sents = list(doc.sents)
    assert [s.start_char for s in sents] == [s.start for s in result.sentences]
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [(e.start, e.end, e.type) for e in result.entities]
    assert doc.cats == pytest.approx({label: n / len(result.sentences) for label, n in result.summary.labels.items()})
    assert sum(doc.cats.values()) == pytest.approx(1.0)


def test_load_names_the_missing_model_and_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOVTAG_CONFIG", raising=False)
    monkeypatch.setenv("GOVTAG_HOME", str(tmp_path / "home"))
    with pytest.raises(ModelNotFoundError) as info:
        govtag.load()
    message = str(info.value)
    assert str(tmp_path / "home" / "models") in message and "./configs/govtag.yaml" in message
    with pytest.raises(TypeError, match="pathlib.Path"):
        govtag.load(backend="rules")(b"bytes")


def test_load_takes_a_model_folder(tmp_path):
    registry = ROOT / "models"
    folder = next(p for p in (registry / "govtag-default").iterdir() if (p / "govtag_model.json").is_file())
    nlp = govtag.load(Path(folder), backend="model", config=ROOT / "configs" / "govtag.yaml")
    assert nlp.model_version == folder.name
    result = nlp("二、存在的问题\n执法队伍建设仍有差距。")
    assert result.model_version == folder.name and result.backend == "model"
