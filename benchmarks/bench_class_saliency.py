"""Class-neuron visualization and saliency maps (notebook 3).

1. ``lh.visualize_class``: 4 classes x 256 steps at 224 px in one batch (target < 25 s),
   against the slide's plain loop run one class at a time (timed on fewer steps,
   extrapolated: its cost per step is constant).
2. SmoothGrad, 25 noisy samples at 224 px, batched (target < 2 s per image), against the
   same 25 gradients computed one image per pass.
3. Vanilla saliency and Integrated Gradients (64 steps) per image, for reference.
"""

from __future__ import annotations

import time

import numpy as np

import lecture_helpers as lh
from benchmarks.common import Result, best_time
from lecture_helpers import class_neurons
from lecture_helpers.attribution.engine import pixel_gradient_function

CLASSES = ["flamingo", "goldfish", "monarch", "strawberry"]
STEPS, SIZE = 256, 224
SAMPLES = 25


def run() -> list[Result]:
    model = lh.load_model("efficientnet_lite0")
    results = []

    # -- 1. class visualization ----------------------------------------------------------
    lh.visualize_class(model, CLASSES, steps=2, size=SIZE, progress=False)  # compile once
    start = time.perf_counter()
    lh.visualize_class(model, CLASSES, steps=STEPS, size=SIZE, progress=False)
    batched = time.perf_counter() - start

    reference_steps = 16
    class_neurons.slide_class_ascent(model, "flamingo", steps=2)  # compile once
    start = time.perf_counter()
    class_neurons.slide_class_ascent(model, "flamingo", steps=reference_steps)
    per_step = (time.perf_counter() - start) / reference_steps
    reference = per_step * STEPS * len(CLASSES)
    results.append(
        Result(
            name=f"visualize_class {len(CLASSES)} classes x {STEPS} steps at {SIZE}px",
            value=batched,
            unit="s",
            target="< 25 s",
            ok=batched < 25.0,
            reference=reference,
            ratio=batched / reference,
            note=(
                "reference = the slide's plain loop (compiled, no transforms), one class at a "
                f"time: {1000 * per_step:.0f} ms/step, extrapolated"
            ),
        )
    )

    # -- 2. SmoothGrad -------------------------------------------------------------------
    image = lh.sample_image("coffee", size=SIZE)
    index = model.class_index("espresso")

    def smoothgrad():
        lh.saliency(model, image, index, "smoothgrad", samples=SAMPLES, batch_size=SAMPLES)

    fn = pixel_gradient_function(model)
    rng = np.random.default_rng(0)
    noisy = (image[None] + rng.normal(0, 0.2 * 255, (SAMPLES, *image.shape))).astype(np.float32)

    def one_at_a_time():
        for sample in noisy:
            fn(sample[None], np.array([index], np.int32))

    batched_sg = best_time(smoothgrad, repeat=3)
    single_sg = best_time(one_at_a_time, repeat=2)
    results.append(
        Result(
            name=f"SmoothGrad, {SAMPLES} samples at {SIZE}px, batched",
            value=batched_sg,
            unit="s",
            target="< 2 s per image",
            ok=batched_sg < 2.0,
            reference=single_sg,
            ratio=batched_sg / single_sg,
            note="reference = the same 25 gradients, one image per pass",
        )
    )

    # -- 3. vanilla and Integrated Gradients, for reference ------------------------------
    vanilla = best_time(lambda: lh.saliency(model, image, index, "vanilla"), repeat=5)
    results.append(
        Result(
            name=f"vanilla saliency at {SIZE}px",
            value=1000 * vanilla,
            unit="ms",
            target="< 200 ms",
            ok=vanilla < 0.2,
        )
    )
    ig = best_time(
        lambda: lh.saliency(model, image, index, "integrated_gradients", steps=64, batch_size=33),
        repeat=2,
    )
    results.append(
        Result(
            name=f"Integrated Gradients, 64 steps at {SIZE}px, batched",
            value=ig,
            unit="s",
            target="< 5 s",
            ok=ig < 5.0,
        )
    )
    return results
