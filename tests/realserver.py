"""A real OpenAI-compatible server for the `realserver` test tier: llama-cpp-python's server.

The tier runs with `pytest -m realserver` (the fast suite deselects it). The server runs in its
own virtual environment (llama-cpp-python is a compiled dependency the project does not
install) and serves a small instruct model from a GGUF file:

- `SITREP_REALSERVER_PYTHON`: the python of a venv with `llama-cpp-python[server]`;
- `SITREP_REALSERVER_MODEL`: the `.gguf` file (SmolLM2-135M-Instruct.Q4_1 in CI);
- `SITREP_REQUIRE_REALSERVER=1` (CI): a missing variable, file or server is a failure, not a
  skip.

`.ci/realserver-setup` prepares both and prints the two `export` lines. Three session fixtures,
each started the first time a test asks for it: `realserver` (a 4096-token window),
`realserver_small` (512) and `realserver_keyed` (demands a key). Loading the model takes ~2 s,
its first answer ~5 s; every server is stopped, also when a test fails or the run is
interrupted (on Linux even when pytest itself is killed).

The server is started through `realserver_launch.py` (beside this file), which turns off
llama.cpp's extra CPU buffer types: a wheel built where the CPU advertises AMX runs AMX kernels
that crash with SIGSEGV on virtual machines that advertise AMX without allowing it.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

LAUNCHER = Path(__file__).with_name("realserver_launch.py")
MODEL_ALIAS = "smollm2"
N_CTX = 4096
REALSERVER_KEY = "realserver-test-key"
# the tier's article: three sentences, so that a slow model answers within seconds
ARTICLE = (
    "Airstrike kills 12 in northern town\n\n"
    "At least 12 civilians were killed and 30 wounded on Tuesday when an airstrike hit a market "
    "in the town of Saraqib, local health officials said. The Syrian Observatory for Human "
    "Rights blamed government aircraft for the strike, which it said targeted a crowded street."
)
START_TIMEOUT_S = 90.0  # $SITREP_REALSERVER_START_TIMEOUT overrides it
STOP_TIMEOUT_S = 3.0  # uvicorn waits for the answer in progress; the model can take minutes


@dataclass(frozen=True)
class RealServer:
    """A running server: where it listens and how it was configured."""

    base_url: str  # ends in /v1, as a profile's base_url
    model: str  # the id /v1/models lists
    n_ctx: int
    log: Path  # the server's stdout and stderr
    api_key: str | None = None  # the key it demands (--api_key), if any


class ServerExited(RuntimeError):
    """The server process ended before it answered."""


def realserver_setup() -> tuple[Path, Path]:
    """(python, model) from the environment; skips, or fails under SITREP_REQUIRE_REALSERVER=1."""
    python = os.environ.get("SITREP_REALSERVER_PYTHON", "")
    model = os.environ.get("SITREP_REALSERVER_MODEL", "")
    if not python or not model:
        problem = (
            "SITREP_REALSERVER_PYTHON and SITREP_REALSERVER_MODEL are not set "
            '(eval "$(.ci/realserver-setup)" prepares them)'
        )
    elif not Path(python).is_file():
        problem = f"SITREP_REALSERVER_PYTHON={python} does not exist"
    elif not Path(model).is_file():
        problem = f"SITREP_REALSERVER_MODEL={model} does not exist"
    else:
        return Path(python), Path(model)
    if os.environ.get("SITREP_REQUIRE_REALSERVER") == "1":
        pytest.fail(f"SITREP_REQUIRE_REALSERVER=1 but {problem}")
    pytest.skip(problem)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _answers(base_url: str) -> bool:
    """Whether the server answers HTTP yet (it listens only once the model is loaded).

    Any HTTP status counts (a server started with --api_key answers 401).
    """
    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _tail(log: Path, lines: int = 15) -> str:
    try:
        text = log.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(text[-lines:])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL: the server keeps no state worth a graceful shutdown."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_server(
    python: Path, model: Path, log: Path, *, n_ctx: int = N_CTX, api_key: str | None = None
) -> tuple[subprocess.Popen[bytes], RealServer]:
    """Start the server on a free port and wait until it answers /v1/models (bounded)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    command = [
        str(python), str(LAUNCHER),
        "--model", str(model), "--model_alias", MODEL_ALIAS,
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", str(n_ctx),
        # one thread each: on a shared 2-core machine two spinning threads run 10x slower
        "--n_threads", "1", "--n_threads_batch", "1",
    ]  # fmt: skip
    if api_key is not None:
        command += ["--api_key", api_key]
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            command,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "SITREP_REALSERVER_PARENT": str(os.getpid())},
        )
    atexit.register(_stop, proc)  # also when the run is interrupted
    try:
        _wait_until_ready(proc, base_url, log)
    except BaseException:
        _stop(proc)
        raise
    return proc, RealServer(base_url, MODEL_ALIAS, n_ctx=n_ctx, log=log, api_key=api_key)


def _wait_until_ready(proc: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    limit = float(os.environ.get("SITREP_REALSERVER_START_TIMEOUT") or START_TIMEOUT_S)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerExited(
                f"the llama.cpp server exited with {proc.returncode} before it was ready:\n"
                + _tail(log)
            )
        if _answers(base_url):
            return
        time.sleep(0.2)
    raise RuntimeError(f"the llama.cpp server did not answer within {limit:g} s:\n" + _tail(log))


@contextmanager
def running_server(
    tmp_path_factory: pytest.TempPathFactory, *, n_ctx: int = N_CTX, api_key: str | None = None
) -> Iterator[RealServer]:
    """A server for the duration of the block (skips or fails as `realserver_setup` says)."""
    python, model = realserver_setup()
    log = tmp_path_factory.mktemp("realserver") / "server.log"
    try:
        try:
            proc, server = start_server(python, model, log, n_ctx=n_ctx, api_key=api_key)
        except ServerExited:  # most likely the free port was taken meanwhile: once more
            proc, server = start_server(python, model, log, n_ctx=n_ctx, api_key=api_key)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def realserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    """A llama.cpp server with the test model and a 4096-token window, shared by the session."""
    with running_server(tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="session")
def realserver_small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    """The same with a 512-token window: sitrep's prompt alone does not fit it."""
    with running_server(tmp_path_factory, n_ctx=512) as server:
        yield server


@pytest.fixture(scope="session")
def realserver_keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    """The same demanding a key (--api_key): any other key gets a 401."""
    with running_server(tmp_path_factory, api_key=REALSERVER_KEY) as server:
        yield server
