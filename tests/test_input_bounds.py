"""Inputs that never end, are huge, are slow to parse or are not files at all: each is named in
one line, read within a bound, and never stalls or crashes the run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from typer.testing import CliRunner

from agent.articles import Article, InputProblem, read_inputs
from agent.cli import app

runner = CliRunner()
SITREP = [sys.executable, "-m", "agent"]
TEXT = "Clashes in Hajin\n\nAt least 12 soldiers were killed in clashes near Hajin on Sunday."


def test_stdin_that_never_ends_is_read_only_up_to_the_limit() -> None:
    started = time.monotonic()
    with open("/dev/zero", "rb") as zero:
        proc = subprocess.run(
            [*SITREP, "extract", "-", "-m", "rules"],
            stdin=zero,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert proc.returncode == 3
    assert proc.stderr.splitlines() == [
        "sitrep: <stdin>: contains NUL bytes (first at byte 0): binary data, not text"
    ]
    assert time.monotonic() - started < 30


def test_endless_text_on_stdin_is_over_the_limit_not_out_of_memory() -> None:
    yes = subprocess.Popen(["yes", "Ten soldiers were killed."], stdout=subprocess.PIPE)
    try:
        proc = subprocess.run(
            [*SITREP, "extract", "-", "-m", "rules"],
            stdin=yes.stdout,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        yes.kill()
        yes.wait()
        assert yes.stdout is not None
        yes.stdout.close()
    assert proc.returncode == 3
    assert proc.stderr.splitlines() == [
        "sitrep: <stdin>: article is more than 800,004 bytes, over the limit of 200,000 "
        "characters (max_article_chars in the config): split it"
    ]


def test_text_file_linked_to_dev_zero_is_read_within_the_limit(tmp_path: Path) -> None:
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")
    [item] = read_inputs([str(link)], max_chars=200_000)
    assert isinstance(item, InputProblem)
    assert item.message == "contains NUL bytes (first at byte 0): binary data, not text"


def test_huge_file_is_refused_by_its_size_without_being_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.write(b"Ten soldiers were killed.\n")
        handle.truncate(1_500_000_000)  # sparse: 1.5 GB without using the disk
    tracemalloc.start()
    try:
        [item] = read_inputs([str(path)], max_chars=200_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(item, InputProblem)
    assert item.message == (
        "article is 1,500,000,000 bytes, over the limit of 200,000 characters "
        "(max_article_chars in the config): split it"
    )
    assert peak < 10_000_000


def test_json_lines_line_too_long_is_skipped_unread_and_the_next_is_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "wire.jsonl"
    long_text = "Ten soldiers were killed. " * 200_000  # 5.2 MB
    lines = [
        json.dumps({"id": "long", "text": long_text}),
        json.dumps({"id": "ok", "text": TEXT}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tracemalloc.start()
    try:
        items = list(read_inputs([str(path)], max_chars=100_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    first, second = items
    assert isinstance(first, InputProblem)
    assert first.source == f"{path}:1"
    assert "article is a line of 5,200,027 bytes, over the limit of 100,000" in first.message
    assert isinstance(second, Article) and second.id == "ok"
    assert peak < 8_000_000  # the long line was never held whole (5.2 MB, 2x as text)


def test_html_of_repeated_end_tags_is_parsed_quickly(tmp_path: Path) -> None:
    path = tmp_path / "evil.html"
    path.write_text("<p>Three soldiers were killed.</p>" + "</" * 200_000, encoding="utf-8")
    started = time.monotonic()
    [item] = read_inputs([str(path)], max_chars=200_000)
    assert time.monotonic() - started < 5  # the standard library's parser took 30 s
    assert isinstance(item, Article)
    assert item.text.startswith("Three soldiers were killed.")


def test_html_page_over_its_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.html"
    path.write_text("<p>x</p>" + "<div>" * 700_000, encoding="utf-8")  # 3.5 MB of markup
    [item] = read_inputs([str(path)], max_chars=100_000)  # pages up to 2.5 MB
    assert isinstance(item, InputProblem)
    assert item.message.startswith("article is 3,500,008 bytes, over the limit of 100,000")


def test_unreadable_folder_entries_are_each_named(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    (folder / "gone.txt").symlink_to(folder / "nowhere.txt")
    (folder / "device.txt").symlink_to("/dev/null")
    os.mkfifo(folder / "pipe.txt")
    (folder / "self").symlink_to(folder)  # a folder that contains itself: entered once
    result = runner.invoke(app, ["extract", str(folder), "-m", "rules"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 1  # a.txt, once
    notes = sorted(line for line in result.stderr.splitlines() if line.startswith("note: "))
    assert notes == [
        f"note: {folder / 'device.txt'}: skipped: a device, not a regular file",
        f"note: {folder / 'gone.txt'}: skipped: a broken symbolic link (its target does not exist)",
        f"note: {folder / 'loop.txt'}: skipped: a symbolic link loop",
        f"note: {folder / 'pipe.txt'}: skipped: a FIFO (named pipe), not a regular file",
    ]


def test_id_with_a_newline_is_escaped_in_messages(tmp_path: Path) -> None:
    path = tmp_path / "wire.jsonl"
    path.write_text(json.dumps({"id": "evil\nsitrep: fake", "text": ""}) + "\n")
    result = runner.invoke(app, ["extract", str(path), "-m", "rules"])
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        f"sitrep: {path}:1 (evil\\nsitrep: fake): empty article (no text)"
    ]


def test_impossible_published_date_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(TEXT, encoding="utf-8")
    result = runner.invoke(app, ["extract", str(path), "-m", "rules", "--published", "2024-02-30"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "sitrep: --published: publication date '2024-02-30' is not a YYYY-MM-DD date "
        "(day is out of range for month)"
    ]
