"""The repository stands alone: nothing it tracks points outside it, and every test fixture
has its origin written down (tests/fixtures/README.md)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
CHECKED = ("src", "tests", "docs", "README.md")
# built in pieces, so that this file does not match its own needles
SIBLING = ".." + "/shared"
SPEC_FILES = ("PROTOCOLS" + ".md", "METRICS" + ".md")
SKIPPED_DIRS = {"__pycache__", ".pytest_cache", "node_modules", ".venv"}


def tracked_files() -> list[Path]:
    """The checked files git tracks; the files on disk when git (or the .git) is missing."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--", *CHECKED], cwd=ROOT, check=True,
                             capture_output=True, timeout=60).stdout
        files = [ROOT / name for name in out.decode().split("\0") if name]
    except (OSError, subprocess.SubprocessError):
        files = []
    if not files:
        files = [p for top in CHECKED for p in _walk(ROOT / top)]
    return sorted(p for p in files if p.is_file())


def _walk(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return [p for p in path.rglob("*")
            if p.is_file() and not SKIPPED_DIRS.intersection(p.relative_to(ROOT).parts)]


def hits(needles: tuple[str, ...]) -> list[str]:
    """`path:line: text` for every line of a checked file holding one of the needles."""
    found = []
    for path in tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary files say nothing to a reader
        for number, line in enumerate(text.splitlines(), 1):
            if any(needle in line for needle in needles):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_the_check_sees_the_tree():
    files = {p.relative_to(ROOT).as_posix() for p in tracked_files()}
    assert {"README.md", "tests/conftest.py", "docs/metrics.md"} <= files


def test_without_git_the_check_walks_the_tree(monkeypatch):
    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(subprocess, "run", no_git)
    files = {p.relative_to(ROOT).as_posix() for p in tracked_files()}
    assert {"README.md", "tests/conftest.py", "docs/metrics.md"} <= files
    assert not any("__pycache__" in f for f in files)


def test_nothing_points_to_the_sibling_folder():
    found = hits((SIBLING,))
    assert not found, "files reaching outside the repository:\n" + "\n".join(found)


def test_nothing_points_to_the_spec_files_outside_the_repository():
    found = hits(SPEC_FILES)
    assert not found, ("files citing spec files that are not in the repository (cite "
                       "docs/protocols.md or docs/metrics.md):\n" + "\n".join(found))


@pytest.mark.parametrize("path", sorted(p.relative_to(FIXTURES).as_posix()
                                        for p in _walk(FIXTURES) if p.name != "README.md"))
def test_every_fixture_has_its_origin_in_the_readme(path):
    assert f"`{path}`" in (FIXTURES / "README.md").read_text(), path


def test_no_issue_numbers_and_no_unnamed_original():
    """Readers of the repository have no issue tracker and never met 'the original': a
    reference must say what it is (third-party issues are cited with their repository)."""
    import re

    issue = re.compile(r"\bissues? #?\d+", re.I)
    original = re.compile(r"\bthe original\b|\boriginal's\b", re.I)
    here = Path(__file__).resolve()
    found = []
    for path in tracked_files():
        if path == here:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            cited = "Polymarket/" in line or "polymarket-" in line
            if (issue.search(line) and not cited) or original.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found
