"""The build's garbage-collection settings are its own: the caller gets its back."""

from __future__ import annotations

import gc

import pytest

from pipeline.memory import THRESHOLDS, fewer_collections


def test_a_build_collects_less_and_gives_the_settings_back() -> None:
    before = gc.get_threshold()
    kept = [object() for _ in range(3)]
    with fewer_collections():
        assert gc.get_threshold() == THRESHOLDS
        assert gc.get_freeze_count() > 0  # what existed is left out of the collections
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    assert kept


def test_settings_come_back_after_an_error_too() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("build failed")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("collect", [True, False])
def test_a_caller_that_collected_between_builds_is_not_collected_again(
        collect: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """pipeline/watch.py collects while it waits for the next save (Workshop.tidy)."""
    calls: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda *generation: calls.append(1) or 0)
    with fewer_collections(collect=collect):
        assert gc.get_threshold() == THRESHOLDS
    assert calls == ([1] if collect else [])
