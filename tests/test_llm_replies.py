"""However malformed a model's reply, it ends as a result or as one failed article in the
ledger: never a traceback, never a lost batch."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from agent.articles import Article
from agent.batch.run import Done, Failed, run_batch
from agent.cli import app
from tests.helpers import EXAMPLE, GOOD, lines_of, make, write_batch
from tests.scripted_server import Reply, ScriptedServer, answer, completion

runner = CliRunner()
TEXT = EXAMPLE.read_text(encoding="utf-8")


SMALL = {"prompt_tokens": 1500, "completion_tokens": 50, "total_tokens": 1550}


def raw_tool_call(arguments: str) -> Reply:
    """A tool call with these arguments, counted as a short answer (so that what is tested is
    reading it, not its length)."""
    return Reply(body=lambda request: completion(request, arguments=arguments, usage=SMALL))


DEEP = "[" * 200_000 + "]" * 200_000
HUGE = json.dumps({**GOOD, "casualties": [{**GOOD["casualties"][0]}]}).replace(
    '"low": 27', '"low": 1' + "0" * 6000
)
SURROGATE = json.dumps(GOOD).replace(
    "Islamic State fighters ambushed a government convoy east of Mayadin.",
    "Ambush east of Mayadin \\ud800 with a lone half of a surrogate pair.",
)


def batch_with(server: ScriptedServer, tmp_path: Path, reply: Reply) -> tuple[int, str]:
    """Three articles; the second gets `reply` (twice, for a re-ask), the others a good answer."""

    def respond(request: dict[str, Any]) -> Reply:
        return reply if "Ref a2." in json.dumps(request) else answer(GOOD)

    server.responder = respond
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2", "a3"])
    out = tmp_path / "out.jsonl"
    config = tmp_path / "sitrep.toml"
    config.write_text(
        f'[models.fake]\nmodel = "m"\nbase_url = "{server.base_url}"\nmax_reasks = 1\n',
        encoding="utf-8",
    )
    args = ["extract", str(inputs), "-o", str(out), "-m", "fake", "--config", str(config)]
    result = runner.invoke(app, [*args, "-j", "1"])
    assert "Traceback" not in result.output
    done = sorted(r["article"]["id"] for r in lines_of(out))
    ledger = tmp_path / "out.jsonl.failures.jsonl"
    failed = [(e["id"], e["kind"]) for e in lines_of(ledger)] if ledger.exists() else []
    assert sorted([*done, *(i for i, _ in failed)]) == ["a1", "a2", "a3"]
    return result.exit_code, json.dumps({"done": done, "failed": failed})


def test_a_tool_call_nested_very_deeply_fails_only_its_article(
    server: ScriptedServer, tmp_path: Path
) -> None:
    code, seen = batch_with(server, tmp_path, raw_tool_call(DEEP))
    assert code == 3
    assert json.loads(seen)["failed"] == [["a2", "invalid_response"]]


def test_a_number_with_thousands_of_digits_fails_only_that_item_or_article(
    server: ScriptedServer, tmp_path: Path
) -> None:
    code, seen = batch_with(server, tmp_path, raw_tool_call(HUGE))
    assert code in (0, 3)
    outcome = json.loads(seen)
    assert {"a1", "a3"} <= set(outcome["done"])


def test_a_lone_surrogate_in_a_field_is_replaced_and_written(
    server: ScriptedServer, tmp_path: Path
) -> None:
    code, _ = batch_with(server, tmp_path, raw_tool_call(SURROGATE))
    assert code == 0
    (a2,) = [r for r in lines_of(tmp_path / "out.jsonl") if r["article"]["id"] == "a2"]
    assert a2["events"][0]["summary"].startswith("Ambush east of Mayadin \ufffd with")
    assert "not text; replaced" in " ".join(a2["warnings"])


JSON_LEAF = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**60), max_value=10**60)
    | st.floats(allow_nan=False)
    | st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(["\x00", "\x1b", "\u202e"]))
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
SHAPES = st.one_of(
    JSON_VALUE.map(json.dumps),
    st.builds(lambda v: json.dumps({"events": v, "casualties": [], "causes": []}), JSON_VALUE),
    st.builds(
        lambda n, s: json.dumps({**GOOD, "events": [{**GOOD["events"][0], "summary": s}]}).replace(
            '"low": 27', f'"low": {n}'
        ),
        st.integers(min_value=-(10**50), max_value=10**50),
        st.text(),
    ),
    st.integers(min_value=1, max_value=3000).map(lambda d: "[" * d + "]" * d),
    st.text(max_size=200),
    st.just('{"events": ['),
    st.just(json.dumps(GOOD).replace("Mayadin", "Mayadin\\udc80\\ud83d")),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SHAPES, st.booleans())
def test_every_malformed_reply_ends_as_a_result_or_one_failed_article(
    tmp_path_factory: Any, raw: str, as_tool_call: bool
) -> None:
    tmp_path = tmp_path_factory.mktemp("reply")
    with ScriptedServer() as server:
        reply = (
            raw_tool_call(raw)
            if as_tool_call
            else Reply(body=lambda request: completion(request, content=raw, usage=SMALL))
        )
        server.script(reply, answer(GOOD))
        extractor = make(server, tmp_path, max_reasks=0, mode="tools" if as_tool_call else "json")
        articles = [Article(id="bad", text=TEXT), Article(id="good", text=TEXT + "\n\nRef 2.")]

        async def go() -> list[Done | Failed]:
            try:
                return [o async for o in run_batch(articles, extractor, concurrency=1)]
            finally:
                await extractor.aclose()

        outcomes = asyncio.run(go())
    assert [type(o) for o in outcomes] in ([Done, Done], [Failed, Done])
    for outcome in outcomes:
        if isinstance(outcome, Done):
            outcome.result.model_dump_json().encode("utf-8")  # writable as is
        else:
            assert outcome.kind in ("invalid_response", "refusal", "truncated")
            assert "\n" not in outcome.message
