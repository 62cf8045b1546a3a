"""What every `polyrank` command starts from: the settings (the environment's, put in the
context by the root callback, with the command's flags over them) and the front door."""

from __future__ import annotations

import typer

from polyrank.settings import Settings, settings_from_env


def command_settings(ctx: typer.Context, **overrides: object) -> Settings:
    base: Settings = ctx.obj or settings_from_env()
    return base.with_overrides(**overrides)


def open_front_door(ctx: typer.Context, **overrides: object):
    """The front door over the chosen store, with progress bars (a terminal) or log lines."""
    import polyrank
    from polyrank.progress import default_progress

    return polyrank.open(settings=command_settings(ctx, **overrides), progress=default_progress())
