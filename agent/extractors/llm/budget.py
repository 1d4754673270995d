"""Token budgets: the answer's budget, the context window, cut answers and cut prompts.

- The answer's budget is sized to each article (`config.output_budget`), and never more than
  the context window leaves.
- When the prompt, the article and the answer's budget would not fit a known context window
  (the profile's `context_window`, or the window a server reported in a context-length error,
  learned once per run), the article is split into overlapping chunks (`extractors.chunks`).
- An answer cut at its budget is `truncated`, also when the server says `tool_calls` instead
  of `length` (llama.cpp does): the token count tells. An answer cut short of its budget by a
  full window is a context problem, said with the numbers.
- A server that counts far fewer prompt tokens than were sent has truncated the prompt
  (Ollama does, silently): a warning, or a failure with `--strict`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from instructor.core.hooks import Hooks

from agent.articles import Article
from agent.config import CHARS_PER_TOKEN, ModelProfile, estimate_tokens, output_budget
from agent.errors import ContextLengthError, TruncatedError
from agent.extractors.base import Meter
from agent.extractors.chunks import Chunk, plan_chunks
from agent.extractors.llm.failures import where
from agent.extractors.prompts import Prompt
from agent.schema import ExtractionDraft, Usage

MAX_USAGE = 10_000_000  # more tokens than any request: a server's nonsense, counted as unknown
PROMPT_SHORTFALL = 0.6  # counted prompt tokens under this share of the estimate: truncated
_WRAPPER_TOKENS = 120  # the user message around the article, titles and ids
_SCHEMA_TOKENS = estimate_tokens(str(ExtractionDraft.model_json_schema()))


@dataclass
class Seen:
    """What the hooks saw of the request in flight."""

    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    odd_usage: str | None = None

    def reset(self) -> None:
        self.finish_reason = self.odd_usage = None
        self.prompt_tokens = self.completion_tokens = None

    def hooks(self, usage: Usage, meter: Meter, on_answer: Callable[[], None]) -> Hooks:
        """instructor hooks that count requests and tokens as they happen."""
        hooks = Hooks()

        def sent(*_: Any, **__: Any) -> None:
            usage.requests += 1
            meter.requests += 1

        def received(response: Any) -> None:
            on_answer()
            meter.answers += 1
            try:
                self._read(response, usage, meter)
            except Exception:  # a reply the hooks cannot read is judged later
                return

        hooks.on("completion:kwargs", sent)
        hooks.on("completion:response", received)
        return hooks

    def _read(self, response: Any, usage: Usage, meter: Meter) -> None:
        choices = getattr(response, "choices", None)
        if choices:
            self.finish_reason = getattr(choices[0], "finish_reason", None)
        got = getattr(response, "usage", None)
        if got is None:
            return
        prompt = _count(getattr(got, "prompt_tokens", None))
        completion = _count(getattr(got, "completion_tokens", None))
        if prompt is None or completion is None:
            self.odd_usage = (
                f"the server reported impossible usage (prompt_tokens="
                f"{getattr(got, 'prompt_tokens', None)!r}, completion_tokens="
                f"{getattr(got, 'completion_tokens', None)!r}): counted as unknown"
            )
            return
        self.prompt_tokens, self.completion_tokens = prompt, completion
        usage.prompt_tokens += prompt
        usage.completion_tokens += completion
        meter.prompt_tokens += prompt
        meter.completion_tokens += completion


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= MAX_USAGE else None


class Budgeting:
    """Budgets and context-window decisions for one profile and prompt."""

    def __init__(self, profile: ModelProfile, prompt: Prompt, *, strict: bool = False) -> None:
        self.profile = profile
        self.strict = strict
        self.window = profile.context_window
        self.learned = False
        schema = _SCHEMA_TOKENS if profile.mode in ("tools", "json", "md_json") else 0
        self.overhead = estimate_tokens(prompt.system_text()) + _WRAPPER_TOKENS + schema

    def reask_allowance(self) -> int:
        """Tokens kept free for a re-ask's problems and items."""
        return min(1500, self.window // 8) if self.window else 1500

    def budget(self, article: Article) -> int:
        """The answer's budget for one text: sized to it, within what the window leaves."""
        budget = output_budget(self.profile, article.text)
        if self.window:
            left = self.window - self.overhead - estimate_tokens(article.text)
            budget = max(64, min(budget, left - self.reask_allowance()))
        return budget

    def chunks(self, article: Article) -> list[Chunk]:
        """The whole text, or overlapping chunks that each fit the known window."""
        whole = [Chunk(0, len(article.text))]
        if not self.window:
            return whole
        room = self.window - self.overhead - self.reask_allowance() - 64
        if self.profile.max_output_tokens is not None:
            fits = room - self.profile.max_output_tokens
        else:  # the budget grows with the chunk: 400 + 3 x its tokens
            fits = (room - 400) // 4
        if fits < 100:
            raise ContextLengthError(
                f"the context window of {self.window} tokens leaves no room for an article at "
                f"{where(self.profile)}: the prompt needs about {self.overhead} tokens and the "
                "answer its budget; raise the server's context (llama.cpp --ctx-size / --n_ctx, "
                "Ollama num_ctx) and context_window",
                profile=self.profile.name,
                endpoint=self.profile.endpoint,
            )
        if estimate_tokens(article.text) <= fits:
            return whole
        max_chars = int(fits * CHARS_PER_TOKEN)
        return plan_chunks(article.text, max_chars, min(800, max_chars // 6))

    def learn_window(self, exc: ContextLengthError, article: Article) -> list[Chunk]:
        """A server said its window: split this article (and later ones) to fit it."""
        if exc.window is None or self.window is not None:
            return [Chunk(0, len(article.text))]
        self.window, self.learned = exc.window, True
        return self.chunks(article)

    def chunk_note(self, count: int) -> str:
        source = "as the server reported it" if self.learned else "context_window"
        return (
            f"the article was split into {count} overlapping chunks to fit the context window "
            f"of {self.window} tokens ({source}); offsets index the whole article"
        )

    def check_cut(self, seen: Seen, budget: int, *, answered: bool = False) -> None:
        """Raise when the answer was cut: by a known context window (context_length) or at its
        budget (truncated). A complete, valid answer that happens to end at its budget is kept."""
        if answered:
            return
        done, prompt, window = seen.completion_tokens, seen.prompt_tokens, self.window
        stopped = seen.finish_reason in ("length", "tool_calls")
        if (
            stopped
            and window is not None
            and done is not None
            and prompt is not None
            and done < budget
            and prompt + done >= window - 2
        ):
            raise ContextLengthError(
                f"the server stopped the answer at {done} tokens, before its budget of "
                f"{budget}: the prompt ({prompt} tokens) and the answer filled the context "
                f"window of {self.window} at {where(self.profile)}; raise the server's "
                "context (llama.cpp --ctx-size / --n_ctx, Ollama num_ctx) and context_window",
                profile=self.profile.name,
                endpoint=self.profile.endpoint,
            )
        if seen.finish_reason == "length" or (done is not None and done >= budget):
            raise self.truncated(seen, budget)

    def truncated(self, seen: Seen, budget: int) -> TruncatedError:
        done = seen.completion_tokens
        tokens = f"{done} tokens, " if done else ""
        early = ""
        if done is not None and done < budget and seen.prompt_tokens is not None:
            early = (
                f"; the server stopped before the budget, so its context window may be full "
                f"(prompt {seen.prompt_tokens} + answer {done} tokens)"
            )
        return TruncatedError(
            f"the model's answer was cut at its token budget (max_tokens={budget}, {tokens}"
            f"finish_reason={seen.finish_reason}) at {where(self.profile)}: raise "
            f"max_output_tokens in the profile, or use a model that answers within it{early}",
            profile=self.profile.name,
            endpoint=self.profile.endpoint,
        )

    def prompt_warnings(
        self, seen: Seen, messages: list[dict[str, str]], variables: dict[str, Any]
    ) -> list[str]:
        """Warnings about the counts the server reported; raises with `strict` when the
        prompt was cut."""
        warnings = [seen.odd_usage] if seen.odd_usage else []
        sent = sum(len(m.get("content", "")) for m in messages)
        sent += sum(len(v) for v in variables.values() if isinstance(v, str))
        expected = int(sent / CHARS_PER_TOKEN)
        counted = seen.prompt_tokens
        if counted and expected >= 600 and counted < PROMPT_SHORTFALL * expected:
            message = (
                f"the server counted {counted} prompt tokens for about {expected} sent: it "
                "probably truncated the prompt to its context window (Ollama: raise num_ctx; "
                "llama.cpp: --ctx-size / --n_ctx)"
            )
            if self.strict:
                raise ContextLengthError(
                    message, profile=self.profile.name, endpoint=self.profile.endpoint
                )
            warnings.append(message)
        return warnings
