"""Assets: sha256 verification, atomic writes, the safe checkpoint reader."""

from __future__ import annotations

import pickle
import struct
from pathlib import Path

import numpy as np
import pytest

import lecture_helpers as lh
from lecture_helpers import assets, efficientnet
from lecture_helpers.torch_reader import MAGIC_NUMBER, PROTOCOL_VERSION


def test_every_asset_verifies():
    for name in lh.ASSETS:
        path = lh.asset_path(name)
        assert path.is_file() and assets.sha256_of(path) == lh.ASSETS[name].sha256


def test_unknown_asset_name():
    with pytest.raises(KeyError, match="known assets"):
        lh.asset_path("weights.bin")


def test_corrupt_cached_weights_are_reconverted_not_used(tmp_path, monkeypatch):
    monkeypatch.setenv("LECTURE_HELPERS_CACHE", str(tmp_path))
    cached = tmp_path / efficientnet.WEIGHTS_FILE
    cached.write_bytes(b"corrupt" * 1000)
    model = efficientnet.load_efficientnet_lite0()
    expected = assets.DERIVED_SHA256[efficientnet.WEIGHTS_FILE]
    assert assets.sha256_of(cached) == expected
    x = np.full((1, 64, 64, 3), 127.0, np.float32)
    assert np.isfinite(model(x).numpy()).all()
    assert [p.name for p in tmp_path.iterdir()] == [efficientnet.WEIGHTS_FILE]  # no .part left


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


def test_checkpoint_reader_reads_the_state_dict():
    state = lh.read_legacy_checkpoint(lh.asset_path("efficientnet_lite0.pth"))
    assert len(state) == 296
    assert state["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert state["_fc.weight"].shape == (1000, 1280)
    assert state["_bn0.num_batches_tracked"].dtype == np.int64


class _Exploit:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def _legacy_file(path: Path, payload: object) -> None:
    with path.open("wb") as f:
        for obj in (MAGIC_NUMBER, PROTOCOL_VERSION, {"little_endian": True}, payload, []):
            pickle.dump(obj, f, protocol=2)


def test_checkpoint_with_a_foreign_global_is_refused_before_running(tmp_path):
    marker = tmp_path / "pwned"
    bad = tmp_path / "evil.pth"
    _legacy_file(bad, {"weight": _Exploit(marker)})
    with pytest.raises(lh.UnsafeCheckpointError, match="system"):
        lh.read_legacy_checkpoint(bad)
    assert not marker.exists(), "the payload ran"


def test_payload_in_the_first_pickle_is_refused_too(tmp_path):
    marker = tmp_path / "pwned"
    bad = tmp_path / "evil.pth"
    bad.write_bytes(pickle.dumps(_Exploit(marker), protocol=2))
    with pytest.raises(lh.UnsafeCheckpointError):
        lh.read_legacy_checkpoint(bad)
    assert not marker.exists()


def test_not_a_checkpoint(tmp_path):
    junk = tmp_path / "junk.pth"
    junk.write_bytes(struct.pack("<q", 5) + b"not a pickle at all")
    with pytest.raises(ValueError, match="not a legacy PyTorch checkpoint"):
        lh.read_legacy_checkpoint(junk)
