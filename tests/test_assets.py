"""Assets (lecture_helpers/assets.py): sha256 verification, atomic writes, derived files."""

from __future__ import annotations

from pathlib import Path

import pytest

import lecture_helpers as lh
from lecture_helpers import assets


def test_every_asset_verifies():
    for name in lh.ASSETS:
        path = lh.asset_path(name)
        assert path.is_file() and assets.sha256_of(path) == lh.ASSETS[name].sha256


def test_unknown_asset_name():
    with pytest.raises(KeyError, match="known assets"):
        lh.asset_path("weights.bin")


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "file.bin"

    def failing_writer(path: Path) -> None:
        path.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        assets.write_atomically(target, failing_writer)
    assert list(tmp_path.iterdir()) == []


def test_derived_file_that_cannot_match_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("LECTURE_HELPERS_CACHE", str(tmp_path))
    with pytest.raises(lh.AssetError, match="expected"):
        assets.cached_derived_file("x.bin", lambda p: p.write_bytes(b"x"), expected_sha256="0" * 64)
    assert not (tmp_path / "x.bin").exists()
