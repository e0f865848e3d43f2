"""EfficientNet-Lite0 (lecture_helpers/efficientnet.py): its converted weights are checked, and
a corrupt cached copy is converted again, not used."""

from __future__ import annotations

import numpy as np

from lecture_helpers import assets, efficientnet


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
