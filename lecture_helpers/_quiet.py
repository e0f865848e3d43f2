"""Import TensorFlow once, quietly.

TensorFlow writes a few lines to the process's stderr at import time (absl's
"All log messages before absl::InitializeLog()" and the oneDNN notice), whatever
the log-level variables say.  In Jupyter those lines become stderr outputs that
nbval compares.  We keep oneDNN on (it doubles CPU speed) and instead point the
stderr file descriptor at /dev/null for the duration of the import only.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


@contextlib.contextmanager
def _stderr_fd_silenced():
    try:
        fd = sys.__stderr__.fileno() if sys.__stderr__ is not None else 2
        saved = os.dup(fd)
    except (OSError, AttributeError, ValueError):
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            sys.stderr.flush()
            os.dup2(devnull.fileno(), fd)
            try:
                yield
            finally:
                with contextlib.suppress(Exception):
                    sys.stderr.flush()
                os.dup2(saved, fd)
    finally:
        os.close(saved)


def import_tensorflow():
    """Return the ``tensorflow`` module, imported with its start-up chatter silenced."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    with _stderr_fd_silenced(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import keras  # noqa: F401, PLC0415
        import tensorflow as tf  # noqa: PLC0415

        # Force the C++ runtime's one-time start-up messages out now, while silenced.
        tf.constant(0.0).numpy()
    tf.get_logger().setLevel("ERROR")
    return tf


tf = import_tensorflow()
