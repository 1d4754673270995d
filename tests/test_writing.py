"""Writing the output: checked before the first request, stopped cleanly when it fails, never
the inputs, never two writers at once, files with the umask's mode, devices and links
written through."""

from __future__ import annotations

import fcntl
import json
import os
import resource
import signal
import stat
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.output import atomic_write_text
from tests.helpers import EXAMPLE, ROOT, good_unless, lines_of, write_batch
from tests.scripted_server import ScriptedServer

runner = CliRunner()
SITREP = [sys.executable, "-m", "agent"]


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_output_that_cannot_be_written_stops_before_any_request(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = good_unless()
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2"])
    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    for output, fmt in [
        (blocker / "out.json", "json"),  # its folder is a file
        (blocker / "figs.csv", "csv"),
        (tmp_path, "jsonl"),  # a folder
        (blocker / "out.jsonl", "jsonl"),
    ]:
        args = ["extract", str(inputs), "-m", "fake", "--config", str(fake_config)]
        result = runner.invoke(app, [*args, "-f", fmt, "-o", str(output)])
        assert result.exit_code == 2, result.output
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
        assert str(output) in result.stderr
    assert server.requests == []


def _limit_file_size(limit: int) -> None:  # runs in the child before exec
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_write_failure_mid_run_stops_keeps_whole_lines_and_resume_finishes(
    tmp_path: Path,
) -> None:
    ids = [f"a{i:02d}" for i in range(20)]
    inputs = write_batch(tmp_path / "in.jsonl", ids)
    out = tmp_path / "out.jsonl"
    command = [*SITREP, "extract", str(inputs), "-o", str(out), "-m", "rules", "-j", "1"]
    started = time.monotonic()
    proc = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=lambda: _limit_file_size(20_000),  # room for a few results only
    )
    elapsed = time.monotonic() - started
    assert proc.returncode == 5, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"sitrep: cannot write {out}: File too large" in proc.stderr.splitlines()
    assert "stopped: the output could not be written" in proc.stderr
    raw = out.read_text(encoding="utf-8")
    assert raw.endswith("\n")  # no partial line left behind
    written = [json.loads(line) for line in raw.splitlines()]
    assert 0 < len(written) < len(ids)
    assert elapsed < 60

    resumed = subprocess.run(
        [*command, "--resume"], capture_output=True, text=True, timeout=120, check=False
    )
    assert resumed.returncode == 0, resumed.stderr
    assert Counter(r["article"]["id"] for r in lines_of(out)) == dict.fromkeys(ids, 1)


@pytest.mark.parametrize("single", [True, False])
def test_stdout_to_dev_full_is_one_line_not_a_traceback(tmp_path: Path, single: bool) -> None:
    inputs = EXAMPLE if single else write_batch(tmp_path / "in.jsonl", ["a1", "a2"])
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [*SITREP, "extract", str(inputs), "-m", "rules", "-q"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    assert proc.returncode == 5
    assert proc.stderr == "sitrep: cannot write to standard output: No space left on device\n"


def test_output_equal_to_an_input_is_refused_before_reading(tmp_path: Path) -> None:
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2"])
    before = inputs.read_bytes()
    result = runner.invoke(app, ["extract", str(inputs), "-m", "rules", "-o", str(inputs)])
    assert result.exit_code == 2
    assert "is also an input" in result.stderr
    assert inputs.read_bytes() == before


def test_output_inside_an_input_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    out = folder / "out.jsonl"
    result = runner.invoke(app, ["extract", str(folder), "-m", "rules", "-o", str(out)])
    assert result.exit_code == 2
    assert "inside the input folder" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("resume", [False, True])
def test_second_writer_of_the_same_output_refuses(tmp_path: Path, resume: bool) -> None:
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2"])
    out = tmp_path / "out.jsonl"
    out.write_text("")
    holder = os.open(out, os.O_RDWR)  # what a running sitrep process holds
    fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        args = ["extract", str(inputs), "-m", "rules", "-o", str(out)]
        result = runner.invoke(app, [*args, "--resume"] if resume else args)
    finally:
        os.close(holder)
    assert result.exit_code == 2
    assert "is being written by another sitrep process" in result.stderr
    assert out.read_text() == ""


def test_two_processes_on_one_output_one_refuses_and_nothing_is_lost(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = good_unless()
    server.latency = 0.3  # the first run lasts ~3 s: the second starts while it writes
    ids = [f"a{i:02d}" for i in range(10)]
    inputs = write_batch(tmp_path / "in.jsonl", ids)
    out = tmp_path / "out.jsonl"
    command = [*SITREP, "extract", str(inputs), "-o", str(out), "-m", "fake"]
    command += ["--config", str(fake_config), "-j", "1", "--no-cache"]
    first = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (out.exists() and out.read_text().count("\n")):
        time.sleep(0.01)
    second = subprocess.run(
        [*command, "--resume"], capture_output=True, text=True, timeout=60, check=False
    )
    _, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert second.returncode == 2
    assert "is being written by another sitrep process" in second.stderr
    assert Counter(r["article"]["id"] for r in lines_of(out)) == dict.fromkeys(ids, 1)


def test_files_are_created_with_the_umask_mode(tmp_path: Path, umask_022: None) -> None:
    out = tmp_path / "result.json"
    extract = ["extract", str(EXAMPLE), "-m", "rules"]
    assert runner.invoke(app, [*extract, "-o", str(out)]).exit_code == 0
    page = tmp_path / "page.html"
    args = ["view", str(out), "--articles", str(EXAMPLE), "-o", str(page)]
    assert runner.invoke(app, args).exit_code == 0
    jsonl = tmp_path / "out.jsonl"
    assert runner.invoke(app, [*extract, "-f", "jsonl", "-o", str(jsonl)]).exit_code == 0
    html, report = tmp_path / "eval.html", tmp_path / "report"
    suite = str(ROOT / "evals")
    args = ["eval", suite, "-m", "rules", "--split", "dev", "--tag", "vague", "--no-suite-gates"]
    done = runner.invoke(app, [*args, "--html", str(html), "--report-dir", str(report)])
    assert done.exit_code == 0, done.output
    for path in [out, page, jsonl, html, *report.iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_replacing_a_file_keeps_its_mode(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "shared.json"
    target.write_text("{}")
    target.chmod(0o664)
    atomic_write_text(target, "[]")
    assert stat.S_IMODE(target.stat().st_mode) == 0o664
    assert target.read_text() == "[]"


def test_output_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    link = tmp_path / "link.json"
    link.symlink_to(real)
    for fmt in ["json", "jsonl"]:
        args = ["extract", str(EXAMPLE), "-m", "rules", "-f", fmt, "-o", str(link)]
        assert runner.invoke(app, args).exit_code == 0
        assert link.is_symlink()
        text = real.read_text()
        assert json.loads(text if fmt == "json" else text.splitlines()[0])["model"] == "rules"


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_output_to_a_fifo_is_written_through(tmp_path: Path, fmt: str) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def drain() -> None:
        with fifo.open("rb") as handle:
            received.append(handle.read())

    reader = threading.Thread(target=drain)
    reader.start()
    args = ["extract", str(EXAMPLE), "-m", "rules", "-f", fmt, "-o", str(fifo)]
    result = runner.invoke(app, args)
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert b"casualt" in received[0] or b"count_text" in received[0]


def test_dash_output_is_stdout(tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", str(EXAMPLE), "-m", "rules", "-o", "-"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["model"] == "rules"
    assert not (tmp_path / "-").exists()
