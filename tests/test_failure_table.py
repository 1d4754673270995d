"""The README's failure table names only tests that exist.

Every fault row of "Failure behaviour" names at least one test as `tests/file.py::test_name`;
each must be a test function defined at the top level of that file.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.helpers import ROOT

TEST_NAME = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")
EXIT_CODE = re.compile(r"(?:0|1|2|3|4|5|130)(?:, or (?:0|1|2|3|4|5|130))?|any")


def failure_rows(readme: str) -> list[list[str]]:
    """The cells of each fault row of the table (the header and group headings left out)."""
    section = readme.split("\n## Failure behaviour\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("|") or line.startswith("|---"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] == "Fault" or not any(cells[1:]):
            continue
        rows.append(cells)
    return rows


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    }


def table_problems(rows: list[list[str]], root: Path) -> list[str]:
    """Everything wrong with the rows: shape, exit code, and tests that do not exist."""
    problems = []
    for cells in rows:
        if len(cells) != 5:
            problems.append(f"{cells[0]}: {len(cells)} cells, not 5")
            continue
        fault, _does, _sees, exit_code, tests = cells
        named = TEST_NAME.findall(tests)
        if not named:
            problems.append(f"{fault}: names no test as `tests/file.py::test_name`")
        if TEST_NAME.sub("", tests).strip(" ,"):
            problems.append(f"{fault}: the Test cell holds more than test names: {tests}")
        if not EXIT_CODE.fullmatch(exit_code):
            problems.append(f"{fault}: exit code {exit_code!r}")
        for file, name in named:
            path = root / file
            if not path.is_file():
                problems.append(f"{fault}: {file} does not exist")
            elif name not in defined_tests(path):
                problems.append(f"{fault}: {file} defines no {name}")
    return problems


def test_every_fault_row_names_tests_that_exist() -> None:
    rows = failure_rows((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(rows) >= 40  # model and transport, bad input, hostile content, secrets
    assert table_problems(rows, ROOT) == []


def test_a_row_naming_a_missing_test_is_caught() -> None:
    readme = (
        "# x\n\n## Failure behaviour\n\n| Fault | What sitrep does | What the user sees | "
        "Exit code | Test |\n|---|---|---|---|---|\n| **Group** | | | | |\n"
        "| A | retries | nothing | 0 | `tests/test_llm.py::test_500_then_success` |\n"
        "| B | fails | a line | 3 | `tests/test_llm.py::test_no_such_behaviour` |\n"
        "| C | fails | a line | 3 | `tests/test_nowhere.py::test_x` |\n"
        "| D | fails | a line | 3 | see above |\n\n## Next\n"
    )
    rows = failure_rows(readme)
    assert [cells[0] for cells in rows] == ["A", "B", "C", "D"]
    assert table_problems(rows, ROOT) == [
        "B: tests/test_llm.py defines no test_no_such_behaviour",
        "C: tests/test_nowhere.py does not exist",
        "D: names no test as `tests/file.py::test_name`",
        "D: the Test cell holds more than test names: see above",
    ]
