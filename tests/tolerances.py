"""Float tolerances for comparing two computations of the same value: none below float32 noise.

float32 carries 24 bits (eps 1.2e-7), but one pass through a network sums thousands of
products, and oneDNN orders those sums by instruction set (so by CPU) and by batch size.
Two computations of one value along different paths (another batch size or chunking, a
nested model, a fused kernel against the plain one) therefore agree to about 1e-6, not to
eps. Measured: EfficientNet-Lite0's logits differ by up to 2.9e-6 between the SSE41 and
AVX-512 paths; an occlusion map differed by 1.25e-6 between chunk sizes on an AVX2 CPU.

``SAME_VALUE`` allows 1e-5 (relative and absolute, for values of order 1): a 3x margin over
that noise, and still 100x below what a real change does (another class, a ReLU skipped, a
weight transposed or a patch misplaced moves such values by 1e-3 or more).
"""

SAME_VALUE = {"rtol": 1e-5, "atol": 1e-5}
