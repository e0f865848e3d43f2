"""A zoo model's own methods (lecture_helpers/zoo_model.py): logits, compiled forward passes,
the binary model's two scores."""

from __future__ import annotations

import numpy as np
import pytest

import lecture_helpers as lh


def test_score_model_gives_logits(effnet):
    x = effnet.preprocess(lh.sample_image("coffee"))
    logits = effnet.score_model(x).numpy()
    probabilities = effnet.model(x).numpy()
    softmax = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    np.testing.assert_allclose(softmax, probabilities, atol=1e-5)


def test_forward_and_class_scores_are_compiled_once_for_any_batch(effnet, catsdogs):
    images = np.stack([lh.sample_image(n, size=224) for n in ("cat", "dog", "coffee")])
    x = images.astype(np.float32)
    expected = effnet.model(x, training=False).numpy()
    np.testing.assert_allclose(effnet.forward(x, batch_size=2), expected, atol=1e-5)
    np.testing.assert_allclose(effnet.forward(x[:1]), expected[:1], atol=1e-5)
    assert effnet.view.compiled("output").experimental_get_tracing_count() == 1
    # binary model: the scores are [-z, z] and P(dog) = sigmoid(z)
    pair = catsdogs.preprocess([lh.sample_image("cat"), lh.sample_image("dog")])
    scores = catsdogs.class_scores(pair)
    np.testing.assert_allclose(scores[:, 0], -scores[:, 1])
    p_dog = 1.0 / (1.0 + np.exp(-scores[:, 1]))
    np.testing.assert_allclose(p_dog, catsdogs.predict(pair)[:, 1], atol=1e-5)
    assert p_dog[0] < 0.5 < p_dog[1]  # the cat photo, then the dog photo
    message = r"expected a batch \(N, H, W, 3\), got shape \(224, 224, 3\)"
    with pytest.raises(ValueError, match=message):
        effnet.forward(x[0])
    side = catsdogs.input_size[0]
    message = f"cats_vs_dogs_small takes {side}x{side} images, got 224x224"
    with pytest.raises(ValueError, match=message):
        catsdogs.forward(x)
