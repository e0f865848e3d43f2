"""Foundation: converting EfficientNet-Lite0 once, and loading it from the cache."""

from __future__ import annotations

import os
import tempfile
import time

from benchmarks.common import Result


def run() -> list[Result]:
    from lecture_helpers import efficientnet, zoo

    results = []
    with tempfile.TemporaryDirectory() as cache:
        previous = os.environ.get("LECTURE_HELPERS_CACHE")
        os.environ["LECTURE_HELPERS_CACHE"] = cache
        try:
            start = time.perf_counter()
            efficientnet.load_efficientnet_lite0()  # converts: nothing cached yet
            convert = time.perf_counter() - start
        finally:
            if previous is None:
                del os.environ["LECTURE_HELPERS_CACHE"]
            else:
                os.environ["LECTURE_HELPERS_CACHE"] = previous
    results.append(Result("convert EfficientNet-Lite0 checkpoint", convert, "s", "< 20 s",
                          convert < 20))
    loads = []
    for _ in range(3):
        zoo.clear_model_cache()
        start = time.perf_counter()
        zoo.load_model("efficientnet_lite0")
        loads.append(time.perf_counter() - start)
    results.append(Result("lh.load_model('efficientnet_lite0') from cache", min(loads), "s",
                          "< 3 s", min(loads) < 3))
    return results
