"""Load test of the class JupyterHub: ``python -m benchmarks.hub_load [--faults]`` (make bench-hub).

The real JupyterHub with hub/jupyterhub_config.py (DummyAuthenticator, the cgroup spawner,
hub/limits.json) and configurable-http-proxy from hub/node_modules, on 127.0.0.1 only, with its
database and the students' homes in a temporary folder. N simulated students (N = 1, 2, 4, 8)
log in with the login form at the same moment, wait for their server, open JupyterLab, then run
01_channels.ipynb and 03_class_neurons.ipynb (the core notebook with the largest kernel, ``make
bench``) cell by cell over the kernel websocket (the first notebook's kernel stays alive, as
when a student moves on to the next tab) and save each through the contents API. Measured per
student: peak memory of the student's cgroup (server + kernels),
CPU time, login-to-first-picture, time per notebook.

Bounded: each round has a time budget (seconds from the logins); a notebook not finished in it is
interrupted and reported with the cells it completed, never extrapolated. The whole run stops by
itself at --deadline (900 s): a watchdog kills the hub, the proxy and every student's cgroup,
also on Ctrl-C or an exception. --faults adds the fault scenarios (kernel SIGKILL mid-cell, a
cell past the memory limit, hub restarts with the hub's own proxy and with a separate proxy).
Results: a table on stdout and build/bench-hub.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from hub.simulate import (
    KernelSocket,
    LocalHub,
    NotebookRun,
    Sampler,
    Student,
    output_digest,
    proxy_available,
)
from hub.spawner import ServerCgroup, load_limits

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "build" / "bench-hub.json"
NOTEBOOKS = ("lecture/01_channels.ipynb", "lecture/03_class_neurons.ipynb")
GiB = 1024**3
# Seconds per round, from the logins: enough for every student to finish both notebooks on the
# 2-core reference machine (Intel Xeon, 2026-12-07: N = 1 about 70 s at its one-core limit; N
# students share the 2 cores, so about 35 s x N beyond that), within the 900 s deadline.
BUDGETS = {1: 120, 2: 110, 4: 180, 8: 330}
FAULT_RESERVE = 125.0  # seconds kept for --faults (95-110 s on the reference machine)
CLOSE_RESERVE = 15.0  # seconds kept for stopping everything (about 5 s)
OS_RESERVE = 1 * GiB  # memory a node keeps for the OS (plus the hub and proxy, measured)
WINDOW = 15 * 60  # seconds: CPU capacity = students whose two notebooks all finish in this window


def now() -> float:
    """Monotonic seconds."""
    return time.monotonic()


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def host_cpu_seconds() -> float:
    """CPU time the whole machine has spent busy since boot (/proc/stat), in seconds."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def machine() -> dict[str, Any]:
    """Cores, memory and CPU of this machine."""
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / GiB, 1),
        "cpu": cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


# --- one round: N students at once ----------------------------------------------------------------


def student_session(hub: LocalHub, name: str, deadline: float, record: dict[str, Any]) -> None:
    """Log in, open JupyterLab, run both notebooks until ``deadline``; fill ``record``."""
    student = Student(hub, name)
    try:
        student.login()
        student.wait_ready(timeout=max(5, deadline - now()))
        record["login_to_lab_s"] = round(student.ready_at - student.login_started, 2)
        for path in NOTEBOOKS:
            if now() >= deadline:
                record["notebooks"].append(asdict(NotebookRun(path, 0, stopped_by_budget=True)))
                continue
            run = student.run_notebook(path, deadline)
            if path == NOTEBOOKS[0] and run.first_png_at is not None:
                record["first_picture_s"] = round(run.first_png_at - student.login_started, 2)
            data = asdict(run)
            data["complete"] = run.cells_done == run.cells_total and not run.cells_error
            data.pop("first_png_at")
            record["notebooks"].append(data)
    except Exception as exc:  # noqa: BLE001 - reported per student
        record["error"] = f"{type(exc).__name__}: {exc}"


def run_round(hub: LocalHub, n: int, budget: float) -> dict[str, Any]:
    """N students at once; returns per-student and summary figures."""
    names = [f"n{n}-student{i + 1}" for i in range(n)]
    records = {name: {"name": name, "notebooks": []} for name in names}
    cgroups: dict[str, ServerCgroup] = {}

    def known_cgroups() -> list[ServerCgroup]:
        for name in names:
            if name not in cgroups:
                try:
                    cgroup = hub.cgroup_of(name)
                except Exception:  # noqa: BLE001 - not started yet
                    cgroup = None
                if cgroup is not None:
                    cgroups[name] = cgroup
        return list(cgroups.values())

    sampler = Sampler(known_cgroups, interval=1.0)
    start = now()
    deadline = start + budget
    threads = [
        threading.Thread(target=student_session, args=(hub, name, deadline, records[name]))
        for name in names
    ]
    load_before = os.getloadavg()[0]
    host_before = host_cpu_seconds()
    sampler.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, deadline + 20 - now()))
    wall = now() - start
    host_busy = host_cpu_seconds() - host_before
    sampler.stop()
    known_cgroups()
    for name, cgroup in cgroups.items():
        peak, cpu = cgroup.memory_peak(), cgroup.cpu_seconds()
        records[name]["peak_memory_gib"] = round(peak / GiB, 3) if peak else None
        records[name]["cpu_seconds"] = round(cpu, 1) if cpu is not None else None
        records[name]["oom_kills"] = cgroup.oom_kills()
    stop_servers(hub, names)
    leaks = [str(p) for cg in cgroups.values() for p in cg.dirs.values() if p.exists()]
    summary = summarize(n, budget, wall, list(records.values()), sampler.total_peak, leaks)
    students_cpu = sum(r.get("cpu_seconds") or 0 for r in records.values())
    # Honesty about the machine: CPU the students did not use was used by something else
    # (the hub and proxy, or another workload on a shared machine).
    summary["machine_cpu"] = {
        "load_average_at_start": round(load_before, 2),
        "busy_cpu_s": round(host_busy, 1),
        "students_cpu_s": round(students_cpu, 1),
        "other_cpu_s": round(host_busy - students_cpu, 1),
        "available_cpu_s": round(wall * (os.cpu_count() or 1), 1),
    }
    return summary


def stop_servers(hub: LocalHub, names: list[str]) -> None:
    """Stop the students' servers in parallel (the spawner removes their cgroups)."""
    threads = [threading.Thread(target=hub.stop_server, args=(name, 60)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(70)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def summarize(
    n: int, budget: float, wall: float, students: list[dict], total_peak: int, leaks: list[str]
) -> dict[str, Any]:
    """One round's figures: means and maxima over the students, per notebook."""
    summary: dict[str, Any] = {
        "students": n,
        "budget_s": budget,
        "wall_s": round(wall, 1),
        "errors": [s["error"] for s in students if "error" in s],
        "login_to_lab_s": _mean([s["login_to_lab_s"] for s in students if "login_to_lab_s" in s]),
        "first_picture_s": _mean(
            [s["first_picture_s"] for s in students if "first_picture_s" in s]
        ),
        "first_picture_max_s": max(
            (s["first_picture_s"] for s in students if "first_picture_s" in s), default=None
        ),
        "peak_memory_per_student_gib": max(
            (s.get("peak_memory_gib") or 0 for s in students), default=None
        ),
        "peak_memory_all_students_gib": round(total_peak / GiB, 2),
        "cpu_seconds_per_student": _mean(
            [s["cpu_seconds"] for s in students if s.get("cpu_seconds") is not None]
        ),
        "oom_kills": sum(s.get("oom_kills") or 0 for s in students),
        "cgroups_left": leaks,
        "per_student": students,
    }
    for index, path in enumerate(NOTEBOOKS):
        runs = [s["notebooks"][index] for s in students if len(s["notebooks"]) > index]
        done = [r for r in runs if r.get("complete")]
        summary[Path(path).stem] = {
            "cells": runs[0]["cells_total"] if runs else None,
            "complete": f"{len(done)}/{n}",
            "seconds_complete_mean": _mean([r["seconds"] for r in done]),
            "cells_done_mean": _mean([r["cells_done"] for r in runs]),
            "saved": sum(bool(r.get("saved")) for r in runs),
            "errors": sorted({e for r in runs for e in r.get("errors", [])})[:5],
        }
    return summary


# --- faults -----------------------------------------------------------------------------------


def kernel_pid(kernel_id: str) -> int | None:
    """The pid of the kernel process with this id (its connection file names it)."""
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if any(f"kernel-{kernel_id}.json" in part for part in proc.info["cmdline"] or []):
            return proc.info["pid"]
    return None


def _prepare_student(
    hub: LocalHub, name: str, cells: int = 2
) -> tuple[Student, dict, str, KernelSocket]:
    """Log in, run the first ``cells`` code cells of 01_channels.ipynb (the set-up imports
    TensorFlow and the helpers), save it; keep the websocket open."""
    student = Student(hub, name)
    student.login()
    student.wait_ready(timeout=90)
    path = NOTEBOOKS[0]
    notebook, kernel_id = student.open_notebook(path)
    socket_ = KernelSocket(student, kernel_id)
    socket_.connect()
    if not socket_.wait_ready(60):
        raise RuntimeError(f"{name}'s kernel did not start")
    for cell in [c for c in notebook["cells"] if c["cell_type"] == "code"][:cells]:
        result = socket_.execute(cell["source"], timeout=90)
        cell["outputs"], cell["execution_count"] = result.outputs, result.execution_count
        if result.status != "ok":
            raise RuntimeError(f"{name}: cell failed before the fault: {result.error}")
    if student.save(path, notebook).status_code != 200:
        raise RuntimeError(f"{name}: saving the notebook failed")
    return student, notebook, kernel_id, socket_


def _after(socket_: KernelSocket, seconds: float) -> None:
    """Read the websocket for ``seconds`` (kernel status news is recorded)."""
    end = now() + seconds
    while now() < end:
        try:
            socket_.receive(min(0.5, max(0.05, end - now())))
        except Exception:  # noqa: BLE001 - a closed socket ends the listening
            return


def _statuses(socket_: KernelSocket, since: float) -> list[str]:
    return [f"{t - since:+.1f}s {state}" for t, state in socket_.statuses if t >= since - 0.5]


def _survivors(hub: LocalHub, student: Student, path: str, saved: dict, kernel_id: str) -> dict:
    """What is still there: server, kernel, saved notebook."""
    model = hub.server_model(student.name) or {}
    kernel = student.kernel(kernel_id)
    reloaded = student.load(path)
    return {
        "server_ready": bool(model.get("ready")),
        "server_pid": (model.get("state") or {}).get("pid"),
        "server_status_http": student.rest("GET", "status").status_code,
        "kernel_http": kernel.status_code,
        "kernel_state": kernel.json().get("execution_state") if kernel.ok else None,
        "saved_notebook_intact": _outputs(reloaded) == _outputs(saved),
        "saved_outputs": sum(output_digest(reloaded)),
    }


def _outputs(notebook: dict) -> list:
    """Each code cell's outputs, text joined (as the contents API may return lines)."""
    cells = []
    for cell in (c for c in notebook["cells"] if c["cell_type"] == "code"):
        outputs = []
        for output in cell.get("outputs", []):
            output = dict(output)
            if isinstance(output.get("text"), list):
                output["text"] = "".join(output["text"])
            outputs.append(output)
        cells.append(outputs)
    return cells


def fault_kill_kernel(hub: LocalHub) -> dict[str, Any]:
    """(a) SIGKILL the student's kernel in the middle of a cell."""
    student, saved, kernel_id, socket_ = _prepare_student(hub, "fault-kill")
    server_pid = (hub.server_model(student.name) or {}).get("state", {}).get("pid")
    pid = kernel_pid(kernel_id)
    holder: dict[str, Any] = {}

    def long_cell() -> None:
        code = "import time\nfor step in range(300):\n    time.sleep(0.1)\nprint('done')"
        holder["result"] = socket_.execute(code, timeout=40)

    thread = threading.Thread(target=long_cell)
    thread.start()
    time.sleep(2.0)
    killed_at = now()
    os.kill(pid, signal.SIGKILL)
    thread.join(45)
    _after(socket_, 4)
    restarted = socket_.wait_ready(30)
    lost = socket_.execute("print('lh' in globals())", timeout=30)
    result = holder.get("result")
    report = {
        "killed_pid": pid,
        "cell_outcome": f"{result.status} after {result.seconds:.1f} s" if result else "no answer",
        "websocket_status_messages": _statuses(socket_, killed_at),
        "kernel_answers_again": restarted,
        "new_kernel_pid": kernel_pid(kernel_id),
        "variables_after_restart": "lost" if "False" in _text(lost) else _text(lost),
        **_survivors(hub, student, NOTEBOOKS[0], saved, kernel_id),
    }
    report["server_pid_unchanged"] = report["server_pid"] == server_pid
    socket_.close()
    return report


def _text(result: Any) -> str:
    return "".join(o.get("text", "") for o in result.outputs if o.get("output_type") == "stream")


def fault_out_of_memory(hub: LocalHub, limit_bytes: int) -> dict[str, Any]:
    """(b) A cell allocating past the cgroup's memory limit."""
    student, saved, kernel_id, socket_ = _prepare_student(hub, "fault-oom")
    cgroup = hub.cgroup_of(student.name)
    server_pid = (hub.server_model(student.name) or {}).get("state", {}).get("pid")
    old_pid = kernel_pid(kernel_id)
    chunks = math.ceil(1.5 * limit_bytes / (256 * 2**20))
    code = (
        "import numpy as np\nhog = []\n"
        f"for _ in range({chunks}):\n    hog.append(np.ones(256 * 2**20 // 8))  # 256 MiB each\n"
        "print('allocated', len(hog) * 256, 'MiB')"
    )
    started = now()
    result = socket_.execute(code, timeout=60)
    _after(socket_, 4)
    restarted = socket_.wait_ready(30)
    report = {
        "allocation": f"{chunks} x 256 MiB in one cell, limit {limit_bytes / GiB:.2f} GiB",
        "cell_outcome": f"{result.status} after {result.seconds:.1f} s",
        "cell_output": _text(result)[:200],
        "websocket_status_messages": _statuses(socket_, started),
        "oom_kills_in_cgroup": cgroup.oom_kills() if cgroup else None,
        "peak_memory_gib": round((cgroup.memory_peak() or 0) / GiB, 3) if cgroup else None,
        "killed_process": "kernel" if old_pid and not psutil.pid_exists(old_pid) else "none",
        "kernel_answers_again": restarted,
        "new_kernel_pid": kernel_pid(kernel_id),
        **_survivors(hub, student, NOTEBOOKS[0], saved, kernel_id),
    }
    report["server_pid_unchanged"] = report["server_pid"] == server_pid
    socket_.close()
    return report


def fault_hub_restart(hub: LocalHub, prepared: tuple | None = None) -> dict[str, Any]:
    """(c) Restart the hub while a student's cell prints; the proxy is the hub's own or separate.
    ``prepared``: what :func:`_prepare_student` returned, if the student is already working."""
    student, saved, kernel_id, socket_ = prepared or _prepare_student(hub, "fault-restart")
    before = (hub.server_model(student.name) or {}).get("state", {}).get("pid")
    old_kernel = kernel_pid(kernel_id)
    holder: dict[str, Any] = {}
    code = "import time\nfor step in range(40):\n    print(step, flush=True)\n    time.sleep(0.5)"

    def printing_cell() -> None:
        holder["result"] = socket_.execute(code, timeout=40)

    thread = threading.Thread(target=printing_cell)
    thread.start()
    time.sleep(2.0)
    downtime = hub.restart_hub()
    thread.join(45)
    result = holder.get("result")
    reconnect = ""
    if result is not None and result.status == "websocket closed":
        # JupyterLab reconnects by itself, with the same session: buffered output is replayed
        socket_.close()
        try:
            socket_.connect()
            reconnect = "reconnected" if socket_.wait_ready(30) else "reconnected, kernel silent"
        except Exception as exc:  # noqa: BLE001 - reported
            reconnect = f"reconnect failed: {exc}"
    alive = socket_.execute("print(step)", timeout=30) if socket_.ws else None
    last_step = _text(alive).strip() if alive else ""
    report = {
        "proxy": "separate process (HUB_PROXY_EXTERNAL=1)" if hub.external_proxy else "hub's own",
        "hub_unavailable_s": round(downtime, 1),
        "hub_stop_start_s": [round(v, 1) for v in hub.last_restart.values()],
        "cell_outcome": (
            f"{result.status} after {result.seconds:.1f} s, {len(result.outputs)} outputs"
            if result
            else "no answer"
        ),
        "websocket": reconnect or "stayed open",
        "kernel_state_kept": last_step.isdigit(),
        "variable_step_after_restart": last_step,
        "server_pid_before": before,
        "kernel_pid_unchanged": kernel_pid(kernel_id) == old_kernel,
        **_survivors(hub, student, NOTEBOOKS[0], saved, kernel_id),
    }
    report["server_pid_unchanged"] = report["server_pid"] == before
    socket_.close()
    return report


def run_faults(
    hub: LocalHub, workdir: Path, limit_bytes: int, hubs: list[LocalHub]
) -> dict[str, Any]:
    """(a) and (b) at once, while a second hub with a separate proxy starts and a student on
    each hub gets to work; then (c) on both hubs at once: a restart with the hub's own proxy,
    and one with the separate proxy."""
    reports: dict[str, Any] = {}
    prepared: dict[str, tuple] = {}

    def guarded(key: str, fn, *args) -> None:
        try:
            reports[key] = fn(*args)
        except Exception as exc:  # noqa: BLE001 - a fault scenario that breaks is a result too
            where = traceback.extract_tb(exc.__traceback__)[-1]
            reports[key] = {
                "error": f"{type(exc).__name__}: {exc}",
                "at": f"{Path(where.filename).name}:{where.lineno} {where.line}",
            }

    def run_together(*jobs: tuple) -> None:
        threads = [threading.Thread(target=guarded, args=job) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(150)

    def prepare(key: str, target: LocalHub, start: bool = False) -> dict:
        if start:
            target.start()
        prepared[key] = _prepare_student(target, "fault-restart")
        return {}

    external = LocalHub(workdir / "external-proxy", external_proxy=True)
    hubs.append(external)  # the watchdog stops it too
    own, separate = "c_hub_restart_hub_proxy", "c_hub_restart_separate_proxy"
    started = now()
    try:
        run_together(
            ("a_kernel_killed", fault_kill_kernel, hub),
            ("b_out_of_memory", fault_out_of_memory, hub, limit_bytes),
            (own, prepare, own, hub),
            (separate, prepare, separate, external, True),
        )
        stop_servers(hub, ["fault-kill", "fault-oom"])
        reports["_seconds_a_b_and_preparing_c"] = round(now() - started, 1)
        run_together(
            *[(key, fault_hub_restart, target, prepared[key])
              for key, target in ((own, hub), (separate, external)) if key in prepared]
        )  # fmt: skip
        stop_servers(hub, ["fault-restart"])
    finally:
        external.close()
    reports["_seconds_all"] = round(now() - started, 1)
    return reports


# --- capacity ----------------------------------------------------------------------------------


def capacity(rounds: list[dict], limits, node: dict, overhead_bytes: int) -> dict[str, Any]:
    """Students per node from memory and from CPU time, and how that scales."""
    peaks = [r["peak_memory_per_student_gib"] for r in rounds if r["peak_memory_per_student_gib"]]
    full = [
        s
        for r in rounds
        for s in r["per_student"]
        if len(s["notebooks"]) == len(NOTEBOOKS)
        and all(nb.get("complete") for nb in s["notebooks"])
        and s.get("cpu_seconds")
    ]
    ram = node["memory_gib"] * GiB
    usable = ram - OS_RESERVE - overhead_bytes
    peak = max(peaks) if peaks else None
    cpu = _mean([s["cpu_seconds"] for s in full])
    result: dict[str, Any] = {
        "node": f"{node['cores']} cores ({node['cpu']}), {node['memory_gib']} GiB",
        "usable_memory_gib": round(usable / GiB, 2),
        "memory_limit": limits.memory_limit,
        "students_by_memory_limit": int(usable // limits.memory_limit_bytes),
        "peak_per_student_gib": peak,
        "peak_measured_on": "students who ran both notebooks"
        if full
        else "partial runs only (lower bound)",
        "students_by_measured_peak": int(usable // (peak * GiB)) if peak else None,
        "cpu_seconds_per_student_both_notebooks": cpu,
        "cpu_window_s": WINDOW,
        "students_by_cpu": int(node["cores"] * WINDOW // cpu) if cpu else None,
    }
    candidates = [result["students_by_memory_limit"], result["students_by_cpu"]]
    result["students_per_node"] = min(c for c in candidates if c is not None)
    result["scaling"] = (
        f"students = min((RAM - {OS_RESERVE / GiB:.0f} GiB - hub) / {limits.memory_limit}, "
        f"cores x {WINDOW} s / {cpu or '?'} CPU-s): memory capacity grows with RAM, "
        "CPU capacity with cores"
    )
    return result


# --- output ------------------------------------------------------------------------------------


def table(results: dict[str, Any]) -> str:
    """The capacity table as text."""
    node, limits = results["machine"], results["limits"]
    lines = [
        f"JupyterHub load test: {node['cores']} cores ({node['cpu']}), {node['memory_gib']} GiB;"
        f" per student {limits['memory_limit']} memory, {limits['cpu_limit']} CPU",
        " N  budget  login->lab  login->1st picture  "
        + "  ".join(f"{Path(path).stem + ' s [cells]':>22}" for path in NOTEBOOKS)
        + "  peak/student  all students  CPU s/student",
    ]
    for r in results["rounds"]:

        def cell(nb: dict) -> str:
            seconds = f"{nb['seconds_complete_mean']:.0f}" if nb["seconds_complete_mean"] else "-"
            return f"{seconds} [{nb['complete']} done, {nb['cells_done_mean']}/{nb['cells']}]"

        first = f"{r['first_picture_s']:.1f} s" if r["first_picture_s"] else "-"
        lab = f"{r['login_to_lab_s']:.1f} s" if r["login_to_lab_s"] else "-"
        peak = r["peak_memory_per_student_gib"]
        lines.append(
            f"{r['students']:>2}  {r['budget_s']:>4.0f} s  {lab:>10}  {first:>18}  "
            + "  ".join(f"{cell(r[Path(path).stem]):>22}" for path in NOTEBOOKS)
            + f"  {peak or 0:>9.2f} GiB  "
            f"{r['peak_memory_all_students_gib']:>8.2f} GiB  "
            f"{r['cpu_seconds_per_student'] or 0:>8.0f}"
        )
        m = r.get("machine_cpu")
        if m:
            lines.append(
                f"    machine: load average {m['load_average_at_start']} at the start; busy "
                f"{m['busy_cpu_s']:.0f} of {m['available_cpu_s']:.0f} CPU-s, students "
                f"{m['students_cpu_s']:.0f}, other processes {m['other_cpu_s']:.0f}"
            )
        if r["errors"] or r["oom_kills"] or r["cgroups_left"]:
            lines.append(
                f"    errors {r['errors']}, OOM kills {r['oom_kills']}, "
                f"cgroups left {r['cgroups_left']}"
            )
    cap = results.get("capacity")
    if cap:
        lines += [
            f"capacity of this node: {cap['students_per_node']} students "
            f"(memory: {cap['students_by_memory_limit']} by the {cap['memory_limit']} limit, "
            f"{cap['students_by_measured_peak']} by the measured peak "
            f"{cap['peak_per_student_gib']} GiB [{cap['peak_measured_on']}]; "
            f"CPU: {cap['students_by_cpu']} running both notebooks within "
            f"{cap['cpu_window_s'] // 60} min at {cap['cpu_seconds_per_student_both_notebooks']} "
            "CPU-s each)",
            f"scaling: {cap['scaling']}",
        ]
    return "\n".join(lines)


# --- the run -----------------------------------------------------------------------------------


class Watchdog(threading.Thread):
    """At the hard deadline: kill everything the load test started, write what exists, exit."""

    def __init__(
        self, deadline: float, hubs: list[LocalHub], results: dict, workdir: Path | None = None
    ) -> None:
        super().__init__(daemon=True)
        self.deadline, self.hubs, self.results = deadline, hubs, results
        self.workdir = workdir
        self.done = threading.Event()

    def run(self) -> None:
        if self.done.wait(max(0.0, self.deadline - now())):
            return
        print("\nhard deadline reached: stopping the hub, the proxy and every server", flush=True)
        self.results["stopped_by_deadline"] = True
        for hub in list(self.hubs):
            hub.stop_hub(timeout=3)
            hub.remove_cgroups()
            from hub.simulate import _kill_group

            _kill_group(hub.proxy, timeout=2)
        write(self.results)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
        os._exit(3)


def write(results: dict[str, Any]) -> None:
    """build/bench-hub.json."""
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2, default=str))


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    """Run the rounds (and the faults) within the deadline; print and write the results."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hub_load", description=__doc__)
    parser.add_argument("--students", default="1,2,4,8", help="comma-separated N, e.g. 1,2,4,8")
    parser.add_argument("--faults", action="store_true", help="also run the fault scenarios")
    parser.add_argument("--no-load", action="store_true", help="only the fault scenarios")
    parser.add_argument("--deadline", type=float, default=900.0, help="hard limit, seconds")
    parser.add_argument("--budget-scale", type=float, default=1.0, help="scale round budgets")
    args = parser.parse_args(argv)
    started = now()
    if not proxy_available():
        print("configurable-http-proxy is missing: run `make hub-proxy` (npm ci --prefix hub)")
        return 2
    counts = [] if args.no_load else [int(n) for n in args.students.split(",") if n.strip()]
    if any(n < 1 or n > 32 for n in counts):
        parser.error("--students: each N must be 1..32")
    limits = load_limits()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "limits": {k: v for k, v in asdict(limits).items() if k != "measured"},
        "notebooks": list(NOTEBOOKS),
        "rounds": [],
    }
    workdir = Path(tempfile.mkdtemp(prefix="hub-load-"))
    hub = LocalHub(workdir / "hub")
    hubs = [hub]
    deadline = started + args.deadline
    watchdog = Watchdog(deadline, hubs, results, workdir)
    watchdog.start()
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        hub.start()
        hub_proc = psutil.Process(hub.hub.pid)
        for n in counts:
            reserve = CLOSE_RESERVE + (FAULT_RESERVE if args.faults else 0)
            budget = min(BUDGETS.get(n, 100) * args.budget_scale, deadline - reserve - now() - 10)
            if budget < 20:
                results["rounds_skipped"] = results.get("rounds_skipped", []) + [n]
                print(f"N={n}: skipped, no time left in the {args.deadline:.0f} s deadline")
                continue
            print(f"N={n}: {budget:.0f} s budget ...", flush=True)
            results["rounds"].append(run_round(hub, n, budget))
            write(results)
        overhead = sum(p.memory_info().rss for p in [hub_proc, *hub_proc.children(recursive=True)])
        results["hub_and_proxy_rss_gib"] = round(overhead / GiB, 3)
        if results["rounds"]:
            results["capacity"] = capacity(results["rounds"], limits, results["machine"], overhead)
        if args.faults:
            if deadline - now() < FAULT_RESERVE - 20:
                results["faults"] = {"skipped": "not enough time left before the deadline"}
            else:
                print("faults ...", flush=True)
                external_dir = workdir / "faults"
                results["faults"] = run_faults(hub, external_dir, limits.memory_limit_bytes, hubs)
    except KeyboardInterrupt:
        results["interrupted"] = True
        print("interrupted: stopping everything", flush=True)
    finally:
        watchdog.done.set()
        hub.close()
        leaks = hub.cgroup_dirs()
        results["cgroups_left_after_close"] = [str(p) for p in leaks]
        results["wall_s"] = round(now() - started, 1)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        write(results)
        shutil.rmtree(workdir, ignore_errors=True)
    if results["rounds"]:
        print(table(results))
    if "faults" in results:
        print("faults:")
        for key, report in results["faults"].items():
            print(f"  {key}: {json.dumps(report)}")
    print(f"total {results['wall_s']} s; details in {OUT}")
    return 0 if not results.get("interrupted") and not results["cgroups_left_after_close"] else 1


if __name__ == "__main__":
    sys.exit(main())
