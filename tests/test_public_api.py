"""The public API is listed once, completely, and every name resolves."""

from __future__ import annotations

import selfinstruct


def test_all_is_complete_and_resolves():
    assert set(selfinstruct.__all__) == {"__version__", *selfinstruct._EXPORTS}
    for name in selfinstruct.__all__:
        assert getattr(selfinstruct, name) is not None


def test_version_matches_metadata():
    from importlib.metadata import version

    assert selfinstruct.__version__ == version("selfinstruct")
