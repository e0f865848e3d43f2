"""The safe reader of legacy PyTorch checkpoints (lecture_helpers/torch_reader.py): it reads the
state dict, and refuses a pickle that would run code before anything runs."""

from __future__ import annotations

import pickle
import struct
from pathlib import Path

import numpy as np
import pytest

import lecture_helpers as lh
from lecture_helpers.torch_reader import MAGIC_NUMBER, PROTOCOL_VERSION


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
