"""The review page in headless Chromium: highlights, tables, click-to-quote, no injected script.

Skipped when Chromium, its driver or selenium is missing, unless SITREP_REQUIRE_BROWSER=1 (CI),
where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.cli import app
from tests.helpers import EXAMPLE

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOT = Path("/tmp/sitrep-view.png")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,900",
]
HOSTILE = (
    'Market attack <img src=x onerror="window.pwned=2">\n\n'
    "<script>window.pwned=1</script> At least 5 people were killed when a shell hit the market "
    "in Kharkiv on Friday, officials said."
)

runner = CliRunner()


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not installed (apt-get install chromium chromium-driver)"
    if not CHROMEDRIVER.exists():
        return f"{CHROMEDRIVER} not installed (apt-get install chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium not installed (pip install -e '.[dev]')"
    return None


def require_browser() -> None:
    """Skip when the browser is missing; fail instead under SITREP_REQUIRE_BROWSER=1."""
    why = _missing()
    if why is not None:
        if os.environ.get("SITREP_REQUIRE_BROWSER") == "1":
            pytest.fail(f"SITREP_REQUIRE_BROWSER=1 but {why}")
        pytest.skip(why)


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Any]:
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tmp_path / "chromium-profile"
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    browser = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_missing_browser_skips_unless_required(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(f"{__name__}.CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("SITREP_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-chromium not installed"):
        require_browser()
    monkeypatch.setenv("SITREP_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="SITREP_REQUIRE_BROWSER=1 but"):
        require_browser()


def build_page(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    """The example and a hostile article, extracted offline and viewed through the CLI."""
    inputs = tmp_path / "in.jsonl"
    records = [
        {"id": EXAMPLE.stem, "text": EXAMPLE.read_text(encoding="utf-8")},
        {"id": "hostile", "text": HOSTILE, "title": "<script>window.pwned=3</script>"},
    ]
    inputs.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    done = runner.invoke(
        app, ["extract", str(inputs), "-m", "rules", "-o", str(out), "-q", "--keep-order"]
    )
    assert done.exit_code == 0, done.output
    page_path = tmp_path / "page.html"
    done = runner.invoke(app, ["view", str(out), "--articles", str(inputs), "-o", str(page_path)])
    assert done.exit_code == 0, done.output
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return page_path, results


def wait_for(check: Any, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


IN_VIEW = """
const r = arguments[0].getBoundingClientRect();
return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0;
"""


def test_review_page_highlights_tables_and_click_to_quote(driver: Any, tmp_path: Path) -> None:
    page_path, results = build_page(tmp_path)
    example, hostile = results
    assert example["casualties"] and hostile["casualties"]
    driver.get(page_path.as_uri())
    by_css = "css selector"

    marks = driver.find_elements(by_css, "#a0 mark.k-casualty")
    assert marks
    assert driver.find_elements(by_css, "#a0 mark.k-cause")
    assert driver.find_elements(by_css, "#a0 mark.k-event")
    rows = driver.find_elements(by_css, "#a0 table.casualty tr.item")
    assert len(rows) == len(example["casualties"])
    assert len(driver.find_elements(by_css, "#a0 table.cause tr.item")) == len(example["causes"])
    assert len(driver.find_elements(by_css, "#a0 table.event tr.item")) == len(example["events"])
    first_id = example["casualties"][0]["id"]
    assert first_id in (marks[0].get_attribute("title") or "")

    # the last figure of the example, clicked: its quote is flashed, marked and scrolled to
    last = len(example["casualties"]) - 1
    key = f"a0-c{last}"
    driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    row = driver.find_element(by_css, f'tr[data-item="{key}"]')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
    row.click()
    quote = driver.find_element(by_css, f'mark[data-items~="{key}"]')
    classes = wait_for(lambda: quote.get_attribute("class") or "")
    assert "active" in classes.split()
    assert wait_for(lambda: driver.execute_script(IN_VIEW, quote))
    shown = "".join(
        m.text for m in driver.find_elements(by_css, f'mark[data-items~="{key}"]')
    ).replace("\n", " ")
    assert " ".join(example["casualties"][last]["evidence"]["text"].split()) == " ".join(
        shown.split()
    )
    assert "selected" in (row.get_attribute("class") or "").split()

    # the hostile article: its markup is text on the page, and none of it ran
    assert driver.execute_script("return typeof window.pwned") == "undefined"
    text = driver.find_element(by_css, "#a1 .text").text
    assert "<script>window.pwned=1</script>" in text
    assert '<img src=x onerror="window.pwned=2">' in text
    assert "<script>window.pwned=3</script>" in driver.find_element(by_css, "#a1 summary h2").text

    time.sleep(0.3)  # let the flash start so the screenshot shows it
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", quote)
    assert driver.save_screenshot(str(tmp_path / "sitrep-view.png"))
    assert (tmp_path / "sitrep-view.png").stat().st_size > 10_000
    driver.save_screenshot(str(SCREENSHOT))


EVAL_SCREENSHOT = Path("/tmp/sitrep-eval.png")


def build_eval_report(tmp_path: Path) -> Path:
    """An HTML eval report of two 'models' on three cases, one carrying injected markup."""
    from tests.test_eval import CASES, PICKED

    suite = tmp_path / "suite" / "cases"
    for name in PICKED:
        shutil.copytree(CASES / name, suite / name)
    inputs = tmp_path / "inputs.jsonl"
    assert runner.invoke(app, ["gold", "inputs", str(suite), "-o", str(inputs)]).exit_code == 0
    preds = tmp_path / "preds.jsonl"
    done = runner.invoke(app, ["extract", str(inputs), "-m", "rules", "-q", "-o", str(preds)])
    assert done.exit_code == 0, done.output
    lines = []
    for line in preds.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        data["model"] = "hostile <script>window.pwned=1</script>"
        for figure in data["casualties"]:
            figure["group"] = '<img src=x onerror="window.pwned=2">'
        lines.append(json.dumps(data))
    preds.write_text("\n".join(lines) + "\n", encoding="utf-8")
    html = tmp_path / "eval.html"
    done = runner.invoke(
        app,
        ["eval", str(tmp_path / "suite"), "-m", "rules", "--predictions", str(preds),
         "--html", str(html)],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    return html


def test_eval_report_charts_articles_and_no_injected_script(driver: Any, tmp_path: Path) -> None:
    html = build_eval_report(tmp_path)
    driver.get(html.as_uri())
    by_css = "css selector"
    charts = driver.find_elements(by_css, "figure.chart svg")
    assert len(charts) >= 7  # three metric charts, three usage charts, per-tag charts
    legend = driver.find_elements(by_css, "figure.chart svg text")
    assert any("hostile <script>" in t.get_attribute("textContent") for t in legend)
    cases = driver.find_elements(by_css, "details.case")
    assert len(cases) == 3
    assert not cases[1].get_attribute("open")
    cases[1].find_element(by_css, "summary").click()
    assert wait_for(lambda: cases[1].get_attribute("open"))
    rows = cases[1].find_elements(by_css, "tr.matched, tr.missed, tr.spurious")
    assert rows and all(r.is_displayed() for r in rows[:3])
    assert '<img src=x onerror="window.pwned=2">' in cases[1].text
    assert driver.execute_script("return window.pwned === undefined")
    driver.save_screenshot(str(tmp_path / "eval.png"))
    driver.save_screenshot(str(EVAL_SCREENSHOT))
    assert (tmp_path / "eval.png").stat().st_size > 10_000
