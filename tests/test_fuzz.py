"""Property tests: numbers, quote alignment and input decoding on generated text and bytes.

Each property states what the code promises for ANY input: no exception other than the
documented one, and results that hold together (low <= high, spans that index the article).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from agent.articles import Article, InputProblem, decode, read_file, read_jsonl
from agent.errors import InputError
from agent.grounding import ArticleIndex, normalize
from agent.quantities import digits_to_int, find_numbers, parse_count, vague_value, words_to_int

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# pieces that casualty wordings are made of, so generated text exercises the number grammar
NUMBER_PIECES = [
    "at least", "more than", "up to", "nearly", "about", "some", "between", "and", "to", "or",
    "-", "–", "+", "or more", "or so", "a", "an", "half a", "dozen", "dozens", "several",
    "tens of thousands", "hundreds", "a handful", "couple", "one", "twelve", "fifty-five",
    "hundred", "thousand", "million", "two hundred and one", "0", "7", "55", "1,200",
    "1.200", "1.5 million", "3 thousand", "10,000,000", "2nd", "3.14", "killed", "soldiers",
    ",", ".", "\u00a0",
]  # fmt: skip
# characters that alignment has to forgive or keep: curly quotes, dashes, zero-width and
# bidi controls, CRLF, non-ASCII letters, the ellipsis, and case pairs that fold oddly
TRICKY = list(
    "“”‘’«»\"'`—–-…\u200b\u200c\u200d\u2060\ufeff\u202e\u2066\u00ad\r\n\t \u00a0ÄäİıßΣσςМаʿāé.,"
    "\u212a\u1e9e\ufb01"  # the Kelvin sign, capital sharp s, the fi ligature
)

wordings = st.one_of(
    st.lists(st.sampled_from(NUMBER_PIECES), max_size=8).map(" ".join),
    st.text(max_size=40),
)
tables = st.sampled_from(["acled", "isaf"])
articles = st.one_of(
    st.text(alphabet=st.sampled_from([*TRICKY, *"abc XYZ"]), min_size=1, max_size=80),
    st.text(min_size=1, max_size=80),
    st.lists(st.sampled_from([*NUMBER_PIECES, *TRICKY]), min_size=1, max_size=20).map("".join),
)


# --- numbers ---------------------------------------------------------------------------------


@FAST
@given(wordings, tables)
@example("between 30 and 20 killed", "acled")
@example("up to 1.5 million", "isaf")
def test_parse_count_gives_an_ordered_interval(text: str, table: str) -> None:
    count = parse_count(text, table)
    if count is None:
        return
    assert count.low is not None or count.high is not None
    if count.low is not None and count.high is not None:
        assert 0 <= count.low <= count.high
    if count.qualifier == "range":
        assert count.low is not None and count.high is not None


@FAST
@given(wordings, tables)
def test_find_numbers_gives_ordered_disjoint_spans(text: str, table: str) -> None:
    mentions = find_numbers(text, table)
    last_end = 0
    for mention in mentions:
        assert last_end <= mention.start < mention.end <= len(text)
        assert mention.value >= 0
        last_end = mention.end
        if mention.vague is not None:
            assert vague_value(mention.vague, table) == mention.value


@FAST
@given(wordings)
def test_words_and_digits_give_a_natural_number_or_none(text: str) -> None:
    for value in (words_to_int(text), digits_to_int(text)):
        assert value is None or value >= 0


@given(wordings)
@settings(max_examples=20, deadline=None)
def test_unknown_vague_table_is_the_one_documented_error(text: str) -> None:
    with pytest.raises(ValueError, match="unknown vague-word table"):
        vague_value("dozens", "nato")
    # the table is looked up when the text holds a vague word, and only then
    if any(m.is_vague for m in find_numbers(text, "acled")):
        with pytest.raises(ValueError, match="unknown vague-word table"):
            parse_count(text, "nato")
    else:
        parse_count(text, "nato")


# --- quote alignment -------------------------------------------------------------------------


@FAST
@given(articles, st.data())
@example("\u2026.", None)  # a quote must not end inside the "..." an ellipsis folds to
@example("He said\u2026 More.", None)
def test_a_substring_of_the_article_is_found_with_offsets_that_index_it(
    text: str, data: st.DataObject | None
) -> None:
    if data is None:  # the explicit examples: every substring
        pairs = [(i, j) for i in range(len(text)) for j in range(i + 1, len(text) + 1)]
    else:
        i = data.draw(st.integers(0, len(text) - 1), label="start")
        j = data.draw(st.integers(i + 1, len(text)), label="end")
        pairs = [(i, j)]
    index = ArticleIndex(text)
    for i, j in pairs:
        quote = text[i:j]
        wanted = normalize(quote)[0].strip()
        for near in (None, i):
            span = index.find(quote, near=near)
            if not wanted:
                assert span is None  # nothing visible to look for
                continue
            assert span is not None, (text, quote)
            assert text[span.start : span.end] == span.text
            assert normalize(span.text)[0].strip() == wanted, (text, quote, span)


# --- decoding inputs -------------------------------------------------------------------------

raw_bytes = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=80).flatmap(
        lambda t: st.sampled_from(
            [
                t.encode("utf-8"),
                t.encode("utf-16"),
                t.encode("utf-32"),
                b"\xef\xbb\xbf" + t.encode("utf-8"),
                t.encode("cp1252", errors="ignore"),
            ]
        )
    ),
    st.binary(max_size=40).map(lambda b: b"\xff\xfe" + b),  # a UTF-16 BOM then anything
)


@FAST
@given(raw_bytes)
def test_decode_gives_text_or_the_documented_input_error(data: bytes) -> None:
    problem: InputError | None = None
    try:
        text, notes = decode(data, "fuzz.txt")
    except InputError as exc:
        problem = exc
    if problem is not None:
        assert problem.source == "fuzz.txt" and problem.message
        return
    assert text.strip() and "\x00" not in text
    assert all(isinstance(note, str) for note in notes)


@FAST
@given(raw_bytes, st.sampled_from([".txt", ".html"]))
def test_reading_a_file_gives_an_article_or_a_named_problem(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str
) -> None:
    path: Path = tmp_path_factory.mktemp("fuzz") / f"article{suffix}"
    path.write_bytes(data)
    [item] = list(read_file(path))
    assert isinstance(item, Article | InputProblem)
    if isinstance(item, InputProblem):
        assert item.source == str(path) and item.message
    else:
        assert len(item.sha256) == 64  # the text is valid Unicode: it can be written out


jsonl_lines = st.one_of(
    st.binary(max_size=80),
    st.sampled_from(
        [
            b"[" * 100_000,  # nested past the parser's recursion limit
            b'{"id": 1, "text": ' + b"7" * 5000 + b"}",  # over Python's int-digit limit
            b'{"id": "a", "text": "\\ud800"}',  # a lone surrogate
            b'{"id": "\\udfff", "text": "Two killed."}',
            b'{"id": "e", "text": "Two killed \\ud83d\\ude00"}',  # a valid pair (an emoji)
            b'{"id": "a", "text": 5}',
            b'{"id": "a", "text": "Two killed.", "published": "yesterday"}',
        ]
    ),
)


@FAST
@given(st.lists(jsonl_lines, max_size=4))
def test_every_jsonl_line_gives_an_article_or_a_named_problem(lines: list[bytes]) -> None:
    items = list(read_jsonl(io.BytesIO(b"\n".join(lines)), "wire.jsonl"))
    for item in items:
        assert isinstance(item, Article | InputProblem)
        if isinstance(item, InputProblem):
            assert item.source.startswith("wire.jsonl:") and item.message
        else:
            assert len(item.sha256) == 64
            json.dumps(vars(item), ensure_ascii=False).encode("utf-8")  # every field writable
