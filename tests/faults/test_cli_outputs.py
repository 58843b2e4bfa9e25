"""The CLI under an unlucky operator: unwritable outputs, oversized inputs, the umask."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from govtag.atomic import write_atomically
from tests.paths import ROOT, SEEDS

GOVTAG = str(Path(sys.executable).parent / "govtag")
REPORT = SEEDS / "reports" / "ludian-2020.txt"


def govtag(*args: str, env: dict[str, str] | None = None, umask: int | None = None) -> subprocess.CompletedProcess:
    def set_umask() -> None:
        if umask is not None:
            os.umask(umask)

    return subprocess.run(
        [GOVTAG, *args], capture_output=True, cwd=ROOT, timeout=300, env=env, preexec_fn=set_umask
    )


def test_unwritable_output_fails_before_any_work_with_a_message(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    out = blocker / "out.json"
    proc = govtag("annotate", str(REPORT), "--backend", "rules", "-o", str(out))
    stderr = proc.stderr.decode()
    assert proc.returncode == 5, stderr
    assert f"cannot write the output file {out}" in stderr
    assert "Traceback" not in stderr
    assert not out.exists()


def test_output_to_a_folder_path_is_refused(tmp_path: Path) -> None:
    proc = govtag("annotate", str(REPORT), "--backend", "rules", "-o", str(tmp_path))
    assert proc.returncode == 5
    assert "is a directory" in proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()


def test_output_files_follow_the_umask(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    proc = govtag("annotate", str(REPORT), "--backend", "rules", "-o", str(out), umask=0o022)
    assert proc.returncode == 0, proc.stderr.decode()
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    strict = tmp_path / "strict.json"
    proc = govtag("annotate", str(REPORT), "--backend", "rules", "-o", str(strict), umask=0o077)
    assert stat.S_IMODE(strict.stat().st_mode) == 0o600


def test_atomic_write_leaves_no_temporary_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_atomically(target, "old")
    try:
        write_atomically(target, "\ud800")  # cannot be encoded: the write fails before the rename
    except UnicodeEncodeError:
        pass
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_an_oversized_input_is_an_error_record_and_the_others_are_annotated(tmp_path: Path) -> None:
    config = tmp_path / "govtag.yaml"
    config.write_text(
        f"backend: rules\nmodel:\n  registry: {ROOT / 'models'}\ningest:\n  max_chars: 20000\n", encoding="utf-8"
    )
    big = tmp_path / "big.txt"
    big.write_text("一、工作开展情况\n" + "区司法局办理行政复议案件12件。" * 2000, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    proc = govtag("annotate", str(big), str(REPORT), "--config", str(config), "--format", "jsonl", "-o", str(out))
    stderr = proc.stderr.decode()
    assert proc.returncode == 2, stderr
    assert "big.txt: the document has 32009 characters; the limit is 20000" in stderr
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["ludian-2020"]


def test_a_closed_pipe_ends_the_run_quietly() -> None:
    reader = subprocess.Popen(["head", "-c", "10"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    proc = subprocess.run(
        [GOVTAG, "annotate", str(SEEDS / "reports"), "--backend", "rules", "--format", "jsonl"],
        stdout=reader.stdin, stderr=subprocess.PIPE, cwd=ROOT, timeout=300,
    )
    reader.stdin.close()
    reader.wait()
    assert proc.returncode == 141
    assert b"Traceback" not in proc.stderr


def test_a_missing_output_folder_is_an_error_unless_asked_for(tmp_path: Path) -> None:
    out = tmp_path / "not-yet" / "out.jsonl"
    refused = govtag("annotate", str(SEEDS / "reports" / "ludian-2020.txt"), "--backend", "rules",
                         "--format", "jsonl", "-o", str(out))
    assert refused.returncode == 5 and "does not exist" in refused.stderr.decode()
    assert not out.parent.exists()
    made = govtag("annotate", str(SEEDS / "reports" / "ludian-2020.txt"), "--backend", "rules",
                      "--format", "jsonl", "-o", str(out), "--parents")
    assert made.returncode == 0, made.stderr.decode()
    assert out.is_file()
