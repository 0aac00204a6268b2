"""Scenes for tools/screenshots.py that need the journal and plugin cores (filled in as they land)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Grab = Callable[[Any, str], Any]


def journal_picker_scene(ctx: Any, window: Any, grab: Grab) -> None:
    raise RuntimeError("the journal picker is not built yet")


def review_scene(ctx: Any, window: Any, grab: Grab) -> None:
    raise RuntimeError("the review dialog is not built yet")
