"""Bad and awkward input: one clear line naming the input, never a traceback, others go on."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.articles import Article, InputProblem, read_inputs
from agent.cli import app
from agent.grounding import ArticleIndex

runner = CliRunner()
GOOD_TEXT = "Clashes in Hajin\n\nAt least 12 soldiers were killed in clashes near Hajin on Sunday."


def read(path: Path, **kw: object) -> list[Article | InputProblem]:
    return list(read_inputs([str(path)], **kw))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty article"),
        ("blank.txt", b"  \n\t\n", "whitespace only"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "binary file (a PNG image)"),
        ("doc.txt", b"%PDF-1.7\n...", "binary file (a PDF document)"),
        ("nul.txt", b"twelve killed\x00\x00", "NUL bytes"),
    ],
)
def test_unreadable_files_are_named_problems(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    [item] = read(path)
    assert isinstance(item, InputProblem)
    assert message in item.message
    assert str(item).startswith(str(path))


def test_encodings_are_decoded_and_offsets_stay_right(tmp_path: Path) -> None:
    text = "Raid near Kidal\r\n\r\n“Twelve” soldiers were killed in Tessalit \u200b\u202eon Monday."
    for name, data in {
        "utf16.txt": text.encode("utf-16"),
        "bom8.txt": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "cp1252.txt": text.replace("\u200b\u202e", "").encode("cp1252"),
    }.items():
        (tmp_path / name).write_bytes(data)
        [art] = read(tmp_path / name)
        assert isinstance(art, Article), art
        span = ArticleIndex(art.text).find('"Twelve" soldiers were killed in Tessalit on Monday')
        assert span is not None
        assert art.text[span.start : span.end] == span.text
        assert "\r\n" in art.text  # no newline translation: offsets index the text as read
    [art] = read(tmp_path / "cp1252.txt")
    assert isinstance(art, Article)
    assert art.notes == ["not valid UTF-8 (byte 19); decoded as Windows-1252"]


def test_invalid_utf8_falls_back_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"Five killed in Gao \xff\xfe today")
    [art] = read(tmp_path / "bad.txt")
    assert isinstance(art, Article)
    assert "decoded as Windows-1252" in art.notes[0]


def test_html_drops_scripts_and_styles(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Strike on Sumy</title><style>p{color:red}</style>"
        "<script>alert('x')</script></head><body><nav>Home | World</nav>"
        "<h1>Strike on Sumy</h1><p>Two civilians were killed &amp; five hurt.</p></body></html>"
    )
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    [art] = read(tmp_path / "page.html")
    assert isinstance(art, Article)
    assert art.title == "Strike on Sumy"
    assert "alert" not in art.text and "color" not in art.text and "Home" not in art.text
    assert "Two civilians were killed & five hurt." in art.text


def test_jsonl_bad_lines_are_reported_with_line_numbers(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "text": GOOD_TEXT}),
        "{not json",
        json.dumps({"id": "b"}),
        json.dumps({"id": "a", "text": GOOD_TEXT}),
        json.dumps({"id": "a", "text": GOOD_TEXT + " More."}),
        json.dumps(["x"]),
    ]
    path = tmp_path / "wire.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = read(path)
    problems = [str(i) for i in items if isinstance(i, InputProblem)]
    ids = [i.id for i in items if isinstance(i, Article)]
    assert ids == ["a", "a~2"]
    assert problems == [
        f"{path}:2: malformed JSON: Expecting property name enclosed in double quotes at column 2",
        f"{path}:3: has no 'text'",
        f"{path}:4: duplicate of article 'a': skipped",
        f"{path}:6: a line must be a JSON object with 'id' and 'text'",
    ]


def test_size_limit_is_a_clear_problem(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_text("Ten killed. " * 440_000, encoding="utf-8")  # about 5 MB
    [item] = read(path, max_chars=200_000)
    assert isinstance(item, InputProblem)
    assert "over the limit of 200,000" in item.message


def test_folder_skips_unsupported_files_with_a_notice(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (tmp_path / "b.csv").write_text("x,y\n", encoding="utf-8")
    items = read(tmp_path)
    assert [type(i).__name__ for i in items] == ["Article", "InputProblem"]
    assert "skipped: not a supported article file" in str(items[1])
    assert isinstance(items[1], InputProblem) and items[1].notice
    result = CliRunner().invoke(app, ["extract", str(tmp_path), "-m", "rules"])
    assert result.exit_code == 0, result.output  # passed over on purpose: not a failure
    assert f"note: {tmp_path / 'b.csv'}: skipped: not a supported article file" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path: Path) -> None:  # pragma: no cover - CI runs as root
    path = tmp_path / "locked.txt"
    path.write_text(GOOD_TEXT, encoding="utf-8")
    path.chmod(0)
    [item] = read(path)
    assert isinstance(item, InputProblem)
    assert "cannot read" in item.message


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_file_that_fails_to_read_is_a_named_problem(tmp_path: Path) -> None:
    path = tmp_path / "mem.txt"
    path.symlink_to("/proc/self/mem")  # reading it from byte 0 fails, even for root
    [item] = read(path)
    assert isinstance(item, InputProblem)
    assert str(item) == f"{path}: cannot read: Input/output error"


def test_cli_batch_goes_on_past_bad_inputs(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x89PNG\r\n")
    result = runner.invoke(
        app, ["extract", str(tmp_path / "ok.txt"), str(tmp_path / "bad.txt"), "-m", "rules"]
    )
    assert result.exit_code == 3
    assert len(result.stdout.strip().splitlines()) == 1
    assert result.stderr.strip().endswith(
        f"{tmp_path / 'bad.txt'}: binary file (a PNG image), not an article"
    )
    assert "Traceback" not in result.output
