"""Every command and every option has help text, and the docs name every command
(in the spirit of sqlite-utils' test_docs)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from polyrank.cli import app
from polyrank.sim.cli import app as sim_app

ROOT = Path(__file__).resolve().parents[2]


def _commands(group, prefix: tuple[str, ...] = ()):
    for name, cmd in group.commands.items():
        path = (*prefix, name)
        if hasattr(cmd, "commands"):  # a group (Typer vendors click)
            yield from _commands(cmd, path)
        else:
            yield path, cmd


COMMANDS = [(("polyrank", *p), c) for p, c in _commands(typer.main.get_command(app))] + [
    (("polyrank-sim", *p), c) for p, c in _commands(typer.main.get_command(sim_app))]


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_and_option_has_help(path, cmd):
    assert (cmd.help or "").strip(), f"{' '.join(path)} has no help"
    for param in cmd.params:
        assert (getattr(param, "help", "") or "").strip(), f"{path} {param.opts} has no help"


def test_readme_mentions_every_command():
    readme = (ROOT / "README.md").read_text()
    for path, _ in COMMANDS:
        assert " ".join(path) in readme, f"README does not mention {path}"


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_has_a_one_line_summary(path, cmd):
    """The command list of `--help` shows each command's first paragraph: it is one complete
    sentence that fits a line, never a description cut mid-sentence."""
    summary = (cmd.help or "").strip().split("\n\n", 1)[0]
    assert "\n" not in summary and summary.endswith(".") and len(summary) <= 70, summary
