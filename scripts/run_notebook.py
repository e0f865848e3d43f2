"""Execute notebooks top to bottom in place, as nbval will.

Usage: ``python scripts/run_notebook.py NB.ipynb ...``

The kernel runs in notebooks/ (as nbval's does) with this environment's Python.
Commit the notebook with the outputs this writes.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbclient
import nbformat


def run(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = nbclient.NotebookClient(
        nb, timeout=1800, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    for cell in nb.cells:
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error" or out.get("name") == "stderr":
                    kind = f"{out.get('output_type')}/{out.get('name')}"
                    print(f"WARNING {path.name}: a cell has {kind} output:")
                    print("".join(out.get("text", "")) or out.get("evalue"))
    nb.metadata.pop("widgets", None)  # widget state is not reproducible; views re-render live
    nbformat.write(nb, path)
    size_mb = path.stat().st_size / 1e6
    print(f"{path}: executed in {time.perf_counter() - start:.0f} s, {size_mb:.2f} MB")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        run(Path(arg))
