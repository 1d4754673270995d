"""CI: the program as users install it (a wheel in a clean virtual environment).

    python .ci/wheel_smoke.py /path/to/venv-with-the-wheel/bin/sitrep

Runs, from that installation and outside the checkout: `sitrep --help`, `sitrep extract
--model rules` on a text and on a saved web page (trafilatura and its dependencies must come
with the wheel), and `sitrep extract` through the LLM path against the scripted server (so the
prompt files must ship inside the wheel). Exits 1 on the first thing that is wrong.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import EXAMPLE, GOOD  # noqa: E402
from tests.scripted_server import ScriptedServer, answer  # noqa: E402


def check(ok: bool, what: str, detail: str = "") -> None:
    print(f"{'ok' if ok else 'FAILED'}: {what}")
    if not ok:
        print(detail)
        raise SystemExit(1)


def main(sitrep: str) -> None:
    work = Path(tempfile.mkdtemp(prefix="sitrep-wheel-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SITREP_"))},
        "XDG_CONFIG_HOME": str(work / "config"),
        "XDG_CACHE_HOME": str(work / "cache"),
        "FAKE_KEY": "sk-wheel-smoke",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sitrep, *args], cwd=work, env=env, capture_output=True, text=True, timeout=120
        )

    shown = run("--help")
    check(shown.returncode == 0 and "extract" in shown.stdout, "sitrep --help", shown.stderr)
    rules = run("extract", str(EXAMPLE), "--model", "rules")
    figures = json.loads(rules.stdout)["casualties"] if rules.returncode == 0 else []
    check(bool(figures), "sitrep extract --model rules", rules.stderr)
    page = run("extract", str(ROOT / "tests" / "pages" / "wire.html"), "--model", "rules")
    article = json.loads(page.stdout) if page.returncode == 0 else {}
    check(
        article.get("article", {}).get("published") == "2024-05-14" and not article["warnings"],
        "sitrep extract of a web page (main text and date through trafilatura)",
        page.stdout + page.stderr,
    )
    with ScriptedServer() as server:
        server.responder = lambda request: answer(GOOD)
        config = work / "sitrep.toml"
        config.write_text(
            f'[models.smoke]\nmodel = "smoke-model"\nbase_url = "{server.base_url}"\n'
            'api_key_env = "FAKE_KEY"\nmode = "tools"\n',
            encoding="utf-8",
        )
        llm = run("extract", str(EXAMPLE), "--model", "smoke", "--config", str(config))
        result = json.loads(llm.stdout) if llm.returncode == 0 else {}
        check(
            len(result.get("casualties", [])) == len(GOOD["casualties"])
            and result.get("prompt", {}).get("name") == "extract"
            and len(server.requests) == 1,
            "sitrep extract through the LLM path (prompt read from the installed package)",
            llm.stdout + llm.stderr,
        )
    where = subprocess.run(
        [str(Path(sitrep).parent / "python"), "-c", "import agent; print(agent.__file__)"],
        cwd=work, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    check("site-packages" in where, f"agent imported from the installation ({where})")


if __name__ == "__main__":
    main(sys.argv[1])
