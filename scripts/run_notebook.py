"""Execute notebooks top to bottom in place, as nbval will.

Usage: ``python scripts/run_notebook.py NB.ipynb ...``

The kernel runs in notebooks/ (as nbval's does) with this environment's Python. The notebook
keeps its widget state (so nbviewer, nbconvert and the slides show the widgets without a
kernel) and loses the per-cell execution timestamps (they would churn every diff).
Commit the notebook with the outputs this writes.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbclient
import nbformat


def strip_execution_timestamps(nb) -> None:
    """Drop the ``execution`` metadata (iopub timestamps) nbclient records in every cell."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)


def run(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = nbclient.NotebookClient(
        nb, timeout=1800, kernel_name="python3", store_widget_state=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    strip_execution_timestamps(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error" or out.get("name") == "stderr":
                    kind = f"{out.get('output_type')}/{out.get('name')}"
                    print(f"WARNING {path.name}: a cell has {kind} output:")
                    print("".join(out.get("text", "")) or out.get("evalue"))
    nbformat.write(nb, path)
    size_mb = path.stat().st_size / 1e6
    print(f"{path}: executed in {time.perf_counter() - start:.0f} s, {size_mb:.2f} MB")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        run(Path(arg))
