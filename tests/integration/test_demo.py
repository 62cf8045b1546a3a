"""`polyrank demo` end to end on a small world: the README's first command, minus set-up."""

from __future__ import annotations

from typer.testing import CliRunner

from polyrank.cli import app


def test_demo_loads_computes_and_prints_the_omega_leaderboard(tmp_path):
    args = ["demo", "--world", str(tmp_path / "world"), "--wallets", "150", "--markets", "60",
            "--store", f"chdb://{tmp_path / 'store'}", "--runtime-dir", str(tmp_path / "rt")]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "150 wallets done, 0 failed" in first.stdout
    assert "Omega leaderboard" in first.stdout and "metrics: run" in first.stdout
    again = CliRunner().invoke(app, args)          # reuses the world; the load resumes
    assert again.exit_code == 0, again.output
    assert "150 already done; 0 new fills" in again.stdout
