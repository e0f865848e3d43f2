"""Local-process spawners that ENFORCE ``mem_limit`` and ``cpu_limit`` with Linux cgroups.

JupyterHub's ``LocalProcessSpawner`` accepts ``mem_limit`` / ``cpu_limit`` but enforces neither.
:class:`CgroupSpawner` (students are Unix users, e.g. PAM) and :class:`SimpleCgroupSpawner`
(no Unix users: every server runs as the hub's user, homes under a folder) put each single-user
server, and so every kernel it starts, into its own cgroup:

* cgroup v1 (``/sys/fs/cgroup/memory``, ``/sys/fs/cgroup/cpu``): ``memory.limit_in_bytes``
  (and ``memory.memsw.limit_in_bytes``: no swapping past the limit), ``memory.soft_limit_in_bytes``
  for the guarantee, ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``, ``cpu.shares``; accounting in
  ``cpuacct`` when that is its own hierarchy.
* cgroup v2 (``cgroup.controllers`` at the mount): ``memory.max``, ``memory.swap.max``,
  ``memory.low``, ``cpu.max``, ``cpu.weight``.

Student cgroups are created under the hub's own cgroup (``/proc/self/cgroup``), in a folder
``cgroup_parent`` ("jupyterhub"), so they nest inside whatever limits the hub itself runs under.
Where no writable cgroup exists, starting a server fails with a :class:`CgroupError` naming the
problem and the fix: limits are never silently dropped unless ``allow_unlimited`` is set.
A server's cgroup is removed (after killing what is left in it, e.g. orphaned kernels) when the
server stops or is found dead; its path is kept in the spawner state, so a restarted hub
(``cleanup_servers = False``) still cleans up the servers it did not start.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyterhub.spawner import LocalProcessSpawner, SimpleLocalProcessSpawner
from traitlets import Bool, Float, Unicode

HUB_DIR = Path(__file__).resolve().parent
LIMITS_FILE = HUB_DIR / "limits.json"

# The same units as JupyterHub's ByteSpecification (and so KubeSpawner, SystemdSpawner, TLJH):
# powers of 1024. "2G" is 2 GiB everywhere this repository sets a limit.
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
CFS_PERIOD_US = 100_000

FIX = (
    "Fix: run the hub as root on a machine with a writable cgroup filesystem (cgroup v1 memory "
    "and cpu controllers, or cgroup v2 with memory and cpu delegated to the hub's cgroup); in a "
    "container, start it with a private, writable cgroup namespace (e.g. docker run "
    "--cgroupns=private --privileged); on a systemd machine use SystemdSpawner (pip install "
    "jupyterhub-systemdspawner), which hub/jupyterhub_config.py picks by itself. To run WITHOUT "
    "limits anyway (one trusted user, never a class), set CgroupSpawner.allow_unlimited = True "
    "(HUB_ALLOW_UNLIMITED=1)."
)


class CgroupError(RuntimeError):
    """No usable cgroup: the message says what is missing and how to fix it."""


# --- limits -------------------------------------------------------------------------------


def parse_memory(value: str | int | float) -> int:
    """Bytes of a memory size: a number of bytes, or a string with suffix K, M, G or T
    (powers of 1024), exactly as JupyterHub reads ``Spawner.mem_limit``."""
    if isinstance(value, bool):
        raise ValueError(f"memory size {value!r} is not a number of bytes")
    if isinstance(value, int | float):
        number, unit = float(value), ""
    elif isinstance(value, str):
        # as JupyterHub's ByteSpecification: a string needs its unit (a number of bytes is an int)
        match = re.fullmatch(r"([0-9]+(?:\.[0-9]*)?)([KMGT])", value.strip())
        if not match:
            raise ValueError(
                f"memory size {value!r} is not a number with a suffix K, M, G or T "
                "(powers of 1024), e.g. '2G' or '1536M'"
            )
        number, unit = float(match.group(1)), match.group(2)
    else:
        raise ValueError(f"memory size {value!r} is neither a number nor a string like '2G'")
    size = int(number * _UNITS[unit])
    if not math.isfinite(number) or size <= 0:
        raise ValueError(f"memory size {value!r} must be positive")
    return size


def parse_cpu(value: str | int | float) -> float:
    """Cores as a positive float (0.5 = half a core)."""
    if isinstance(value, bool):
        raise ValueError(f"cpu amount {value!r} is not a number of cores")
    try:
        cores = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"cpu amount {value!r} is not a number of cores, e.g. 1.0") from None
    if not math.isfinite(cores) or cores <= 0:
        raise ValueError(f"cpu amount {value!r} must be a positive number of cores")
    return cores


@dataclass(frozen=True)
class Limits:
    """The per-student limits of ``hub/limits.json`` (strings as written, bytes parsed)."""

    memory_limit: str
    memory_guarantee: str
    cpu_limit: float
    cpu_guarantee: float
    measured: dict = field(default_factory=dict)

    @property
    def memory_limit_bytes(self) -> int:
        return parse_memory(self.memory_limit)

    @property
    def memory_guarantee_bytes(self) -> int:
        return parse_memory(self.memory_guarantee)


def load_limits(path: str | Path = LIMITS_FILE) -> Limits:
    """Read and check ``hub/limits.json``: sizes parse, guarantees do not exceed limits."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: the per-student limits file is missing") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from None
    required = ("memory_limit", "memory_guarantee", "cpu_limit", "cpu_guarantee")
    missing = [key for key in required if key not in data]
    if missing:
        raise ValueError(f"{path} lacks {', '.join(missing)}")
    limits = Limits(
        memory_limit=str(data["memory_limit"]),
        memory_guarantee=str(data["memory_guarantee"]),
        cpu_limit=parse_cpu(data["cpu_limit"]),
        cpu_guarantee=parse_cpu(data["cpu_guarantee"]),
        measured=dict(data.get("measured", {})),
    )
    if limits.memory_guarantee_bytes > limits.memory_limit_bytes:
        raise ValueError(
            f"{path}: memory_guarantee {limits.memory_guarantee} exceeds "
            f"memory_limit {limits.memory_limit}"
        )
    if limits.cpu_guarantee > limits.cpu_limit:
        raise ValueError(
            f"{path}: cpu_guarantee {limits.cpu_guarantee} exceeds cpu_limit {limits.cpu_limit}"
        )
    return limits


def cfs_quota_us(cpu_limit: float, period_us: int = CFS_PERIOD_US) -> int:
    """CFS quota (microseconds per ``period_us``) for ``cpu_limit`` cores; at least 1 ms."""
    return max(1000, round(parse_cpu(cpu_limit) * period_us))


# --- where the cgroups are ------------------------------------------------------------------


@dataclass(frozen=True)
class CgroupMount:
    """One cgroup filesystem from /proc/self/mountinfo."""

    version: int
    controllers: frozenset[str]
    mountpoint: Path
    root: str  # the path inside the hierarchy that is mounted at mountpoint


def parse_mountinfo(text: str) -> list[CgroupMount]:
    """The cgroup (v1) and cgroup2 mounts listed in a /proc/<pid>/mountinfo text."""
    mounts = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        fstype, options = tail[0], tail[2].split(",")
        root, mountpoint = _unescape(fields[3]), Path(_unescape(fields[4]))
        if fstype == "cgroup2":
            mounts.append(CgroupMount(2, frozenset(), mountpoint, root))
        elif fstype == "cgroup":
            names = {"memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", "devices", "freezer"}
            controllers = frozenset(option for option in options if option in names)
            if controllers:
                mounts.append(CgroupMount(1, controllers, mountpoint, root))
    return mounts


def _unescape(path: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), path)


def parse_proc_cgroup(text: str) -> dict[str, str]:
    """Controller -> cgroup path from /proc/<pid>/cgroup; the cgroup v2 entry is under ""."""
    paths = {}
    for line in text.splitlines():
        parts = line.strip().split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if not controllers:
            paths[""] = path
        for controller in controllers.split(","):
            if controller:
                paths[controller] = path
    return paths


@dataclass(frozen=True)
class Hierarchy:
    """Where this process sits: cgroup version and its own cgroup folder per controller."""

    version: int
    dirs: dict[str, Path]  # v1: "memory", "cpu" and maybe "cpuacct"; v2: "unified"


def _inside(mount: CgroupMount, path: str) -> Path:
    root = mount.root.rstrip("/")
    if root and path != root and not path.startswith(root + "/"):
        raise CgroupError(
            f"this process's cgroup {path} is outside the cgroup mount at {mount.mountpoint} "
            f"(which shows {mount.root}). {FIX}"
        )
    relative = path[len(root) :].lstrip("/")
    folder = mount.mountpoint / relative
    if not folder.is_dir():
        raise CgroupError(f"cgroup folder {folder} (this process's cgroup) does not exist. {FIX}")
    return folder


def locate(mountinfo: str, proc_cgroup: str) -> Hierarchy:
    """Find this process's cgroup folders: cgroup v1 when its memory controller is mounted,
    else cgroup v2. Raises :class:`CgroupError` when neither is usable."""
    mounts, paths = parse_mountinfo(mountinfo), parse_proc_cgroup(proc_cgroup)
    v1 = {c: m for m in mounts if m.version == 1 for c in m.controllers}
    if "memory" in v1:
        missing = [c for c in ("memory", "cpu") if c not in v1 or c not in paths]
        if missing:
            raise CgroupError(f"cgroup v1 without the {' and '.join(missing)} controller. {FIX}")
        dirs = {c: _inside(v1[c], paths[c]) for c in ("memory", "cpu")}
        if "cpuacct" in v1 and "cpuacct" in paths:
            dirs["cpuacct"] = _inside(v1["cpuacct"], paths["cpuacct"])
        return Hierarchy(1, dirs)
    v2 = [m for m in mounts if m.version == 2]
    if v2 and "" in paths:
        folder = _inside(v2[0], paths[""])
        available = set((folder / "cgroup.controllers").read_text().split())
        missing = [c for c in ("memory", "cpu") if c not in available]
        if missing:
            raise CgroupError(
                f"cgroup v2 at {folder} has no {' and '.join(missing)} controller available "
                f"(cgroup.controllers: {' '.join(sorted(available)) or 'none'}). {FIX}"
            )
        return Hierarchy(2, {"unified": folder})
    raise CgroupError(f"no cgroup filesystem with a memory controller is mounted. {FIX}")


def locate_self() -> Hierarchy:
    """:func:`locate` for the running process."""
    try:
        mountinfo = Path("/proc/self/mountinfo").read_text()
        proc_cgroup = Path("/proc/self/cgroup").read_text()
    except OSError as exc:
        raise CgroupError(f"cannot read /proc/self (not Linux?): {exc}. {FIX}") from None
    return locate(mountinfo, proc_cgroup)


def safe_name(name: str) -> str:
    """A cgroup folder name for a JupyterHub user (and server) name."""
    escaped = re.sub(r"[^A-Za-z0-9.-]", lambda m: f"_{ord(m.group()):x}_", name)  # one-to-one
    return f"user-{escaped}"


# --- one server's cgroup --------------------------------------------------------------------


def _write(path: Path, value: str | int) -> None:
    try:
        path.write_text(f"{value}\n")
    except OSError as exc:
        raise CgroupError(
            f"cannot write {value!r} to {path}: {exc.strerror or exc}. {FIX}"
        ) from None


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _read_keyed(path: Path) -> dict[str, int]:
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return {}
    values = {}
    for line in lines:
        key, _, value = line.partition(" ")
        if value.strip().lstrip("-").isdigit():
            values[key] = int(value)
    return values


@dataclass
class ServerCgroup:
    """The cgroup(s) of one single-user server: create, limit, join, measure, kill, remove."""

    version: int
    dirs: dict[str, Path]

    @classmethod
    def create(cls, hierarchy: Hierarchy, parent: str, name: str) -> ServerCgroup:
        """Make ``<own cgroup>/<parent>/<name>`` in every controller (v2: delegate memory, cpu)."""
        if not parent or "/" in parent or parent in (".", ".."):
            raise ValueError(f"cgroup parent {parent!r} must be one folder name")
        if not name or "/" in name or name in (".", ".."):
            raise ValueError(f"cgroup name {name!r} must be one folder name")
        dirs = {}
        for controller, own in hierarchy.dirs.items():
            if hierarchy.version == 2:
                _enable_controllers(own)
            try:
                (own / parent).mkdir(exist_ok=True)
                if hierarchy.version == 2:
                    _enable_controllers(own / parent)
                (own / parent / name).mkdir(exist_ok=True)
            except OSError as exc:
                raise CgroupError(
                    f"cannot create the cgroup {own / parent / name}: {exc.strerror or exc}. {FIX}"
                ) from None
            dirs[controller] = own / parent / name
        return cls(hierarchy.version, dirs)

    def limit(
        self,
        mem_limit: int | None,
        cpu_limit: float | None,
        mem_guarantee: int | None = None,
        cpu_guarantee: float | None = None,
    ) -> None:
        """Write the limits (bytes, cores) and guarantees; ``None`` leaves one unset."""
        if self.version == 1:
            memory, cpu = self.dirs["memory"], self.dirs["cpu"]
            if mem_limit:
                _write(memory / "memory.limit_in_bytes", int(mem_limit))
                if (memory / "memory.memsw.limit_in_bytes").exists():
                    # no swapping past the limit (when swap accounting is on)
                    try:
                        (memory / "memory.memsw.limit_in_bytes").write_text(f"{int(mem_limit)}\n")
                    except OSError:
                        pass
            if mem_guarantee:
                _write(memory / "memory.soft_limit_in_bytes", int(mem_guarantee))
            if cpu_limit:
                _write(cpu / "cpu.cfs_period_us", CFS_PERIOD_US)
                _write(cpu / "cpu.cfs_quota_us", cfs_quota_us(cpu_limit))
            if cpu_guarantee:
                _write(cpu / "cpu.shares", max(2, round(1024 * cpu_guarantee)))
        else:
            unified = self.dirs["unified"]
            if mem_limit:
                _write(unified / "memory.max", int(mem_limit))
                if (unified / "memory.swap.max").exists():
                    _write(unified / "memory.swap.max", 0)
            if mem_guarantee:
                _write(unified / "memory.low", int(mem_guarantee))
            if cpu_limit:
                _write(unified / "cpu.max", f"{cfs_quota_us(cpu_limit)} {CFS_PERIOD_US}")
            if cpu_guarantee:
                _write(unified / "cpu.weight", min(10000, max(1, round(100 * cpu_guarantee))))

    def procs_files(self) -> list[Path]:
        """The cgroup.procs file of every controller folder."""
        return [folder / "cgroup.procs" for folder in self.dirs.values()]

    def join_function(self) -> Callable[[], None]:
        """A ``preexec_fn`` part moving the calling (forked) process into this cgroup.

        Plain os calls only: it runs between fork and exec. A failure raises, so the server
        never starts outside its limits.
        """
        files = [os.fsencode(path) for path in self.procs_files()]

        def join() -> None:
            pid = str(os.getpid()).encode()
            for path in files:
                fd = os.open(path, os.O_WRONLY)
                try:
                    os.write(fd, pid)
                finally:
                    os.close(fd)

        return join

    def pids(self) -> list[int]:
        """Processes in the cgroup (all controllers)."""
        found: set[int] = set()
        for path in self.procs_files():
            try:
                found.update(int(line) for line in path.read_text().split())
            except OSError:
                pass
        return sorted(found)

    def kill(self, timeout: float = 10.0) -> list[int]:
        """SIGKILL every process left in the cgroup and wait until it is empty.

        Returns the pids that were killed. Raises :class:`CgroupError` if some survive.
        """
        killed: set[int] = set()
        deadline = time.monotonic() + timeout
        kill_file = self.dirs.get("unified", Path("/nonexistent")) / "cgroup.kill"
        while True:
            pids = self.pids()
            if not pids:
                return sorted(killed)
            if time.monotonic() > deadline:
                raise CgroupError(f"processes {pids} survive SIGKILL in {self.describe()}")
            if kill_file.exists():
                try:
                    kill_file.write_text("1\n")
                except OSError:
                    pass
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.add(pid)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)

    def remove(self, timeout: float = 10.0) -> None:
        """Kill what is left and remove the cgroup folders (and the parent when empty)."""
        self.kill(timeout)
        deadline = time.monotonic() + timeout
        for folder in self.dirs.values():
            while folder.exists():
                try:
                    folder.rmdir()
                except FileNotFoundError:
                    break
                except OSError as exc:
                    if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                        raise CgroupError(f"cannot remove cgroup {folder}: {exc}") from None
                    time.sleep(0.05)
            try:
                folder.parent.rmdir()  # the shared parent, once its last server is gone
            except OSError:
                pass

    def exists(self) -> bool:
        """Whether any of the cgroup folders still exists."""
        return any(folder.exists() for folder in self.dirs.values())

    # measurements (None where the kernel does not report it)
    def memory_peak(self) -> int | None:
        """Highest memory use in bytes since the cgroup was made (server + kernels)."""
        if self.version == 1:
            return _read_int(self.dirs["memory"] / "memory.max_usage_in_bytes")
        return _read_int(self.dirs["unified"] / "memory.peak")

    def memory_current(self) -> int | None:
        """Memory in use now, in bytes."""
        if self.version == 1:
            return _read_int(self.dirs["memory"] / "memory.usage_in_bytes")
        return _read_int(self.dirs["unified"] / "memory.current")

    def cpu_seconds(self) -> float | None:
        """CPU time used by the cgroup's processes, in seconds."""
        if self.version == 1:
            if "cpuacct" not in self.dirs:
                return None
            usage = _read_int(self.dirs["cpuacct"] / "cpuacct.usage")
            return None if usage is None else usage / 1e9
        usage = _read_keyed(self.dirs["unified"] / "cpu.stat").get("usage_usec")
        return None if usage is None else usage / 1e6

    def oom_kills(self) -> int | None:
        """How many processes the kernel's OOM killer killed in this cgroup."""
        if self.version == 1:
            return _read_keyed(self.dirs["memory"] / "memory.oom_control").get("oom_kill")
        return _read_keyed(self.dirs["unified"] / "memory.events").get("oom_kill")

    def describe(self) -> str:
        """The folders, for messages."""
        return ", ".join(str(folder) for folder in self.dirs.values())

    def to_state(self) -> dict[str, Any]:
        """JSON-able form, kept in the spawner state across hub restarts."""
        return {"version": self.version, "dirs": {k: str(v) for k, v in self.dirs.items()}}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ServerCgroup:
        """Inverse of :meth:`to_state`."""
        return cls(int(state["version"]), {k: Path(v) for k, v in state["dirs"].items()})


def _enable_controllers(folder: Path) -> None:
    """cgroup v2: let ``folder``'s children use memory and cpu (cgroup.subtree_control)."""
    control = folder / "cgroup.subtree_control"
    try:
        enabled = set(control.read_text().split())
    except FileNotFoundError:  # a cgroup2 folder always has it; a test's plain folder may not
        enabled = set()
    wanted = [c for c in ("memory", "cpu") if c not in enabled]
    if not wanted:
        return
    try:
        control.write_text(" ".join(f"+{c}" for c in wanted) + "\n")
    except OSError as exc:
        hint = (
            " (cgroup v2 lets a cgroup that holds processes delegate controllers only at the "
            "root: run the hub in a cgroup of its own, e.g. systemd-run --scope -p Delegate=yes, "
            "or use SystemdSpawner)"
            if exc.errno == errno.EBUSY
            else ""
        )
        raise CgroupError(
            f"cannot enable {' '.join(wanted)} in {control}: {exc.strerror or exc}{hint}. {FIX}"
        ) from None


# --- the spawners -------------------------------------------------------------------------


class CgroupSpawner(LocalProcessSpawner):
    """``LocalProcessSpawner`` (servers run as the students' Unix users) whose ``mem_limit``
    and ``cpu_limit`` are enforced by a cgroup per server; guarantees become the memory soft
    limit / ``memory.low`` and the CPU share / weight."""

    cgroup_parent = Unicode(
        "jupyterhub",
        help="Folder, inside the hub's own cgroup, that holds one cgroup per server.",
    ).tag(config=True)

    allow_unlimited = Bool(
        False,
        help="Start servers without limits when no writable cgroup exists (never for a class).",
    ).tag(config=True)

    cgroup_kill_timeout = Float(
        10.0, help="Seconds to wait for a stopped server's leftover processes to die."
    ).tag(config=True)

    _cgroup: ServerCgroup | None = None

    def _cgroup_name(self) -> str:
        name = self.user.name + (f"-{self.name}" if self.name else "")
        return safe_name(name)

    def _make_cgroup(self) -> ServerCgroup | None:
        if not self.mem_limit or not self.cpu_limit:
            if not self.allow_unlimited:
                raise CgroupError(
                    f"{type(self).__name__} needs Spawner.mem_limit and Spawner.cpu_limit "
                    f"(got {self.mem_limit!r}, {self.cpu_limit!r}): hub/limits.json sets them"
                )
        try:
            cgroup = ServerCgroup.create(locate_self(), self.cgroup_parent, self._cgroup_name())
            try:
                cgroup.limit(self.mem_limit, self.cpu_limit, self.mem_guarantee, self.cpu_guarantee)
            except BaseException:
                cgroup.remove(self.cgroup_kill_timeout)
                raise
        except CgroupError as exc:
            if not self.allow_unlimited:
                raise
            self.log.warning("Starting %s WITHOUT limits (allow_unlimited): %s", self.user, exc)
            return None
        self.log.info(
            "cgroup for %s: %s (memory %s bytes, %s cpu)",
            self.user.name,
            cgroup.describe(),
            self.mem_limit,
            self.cpu_limit,
        )
        return cgroup

    def make_preexec_fn(self, name: str) -> Callable[[], None]:
        """Join the server's cgroup first (as root), then the parent class's preexec."""
        inner = super().make_preexec_fn(name)
        join = self._cgroup.join_function() if self._cgroup is not None else None

        def preexec() -> None:
            if join is not None:
                join()
            inner()

        return preexec

    async def start(self) -> tuple[str, int]:
        """Create and limit the cgroup, then start the server inside it."""
        self._cgroup = self._make_cgroup()
        try:
            return await super().start()
        except BaseException:
            await self._release_cgroup()
            raise

    async def poll(self) -> int | None:
        """As LocalProcessSpawner; a dead server's cgroup is emptied and removed."""
        cgroup = self._cgroup
        status = await super().poll()
        if status is not None and cgroup is not None:
            await self._release_cgroup(cgroup)
        return status

    async def stop(self, now: bool = False) -> None:
        """Stop the server, then kill whatever it left in its cgroup and remove the cgroup."""
        await super().stop(now=now)
        await self._release_cgroup()

    async def _release_cgroup(self, cgroup: ServerCgroup | None = None) -> None:
        import asyncio

        cgroup = cgroup or self._cgroup
        if cgroup is None:
            return
        if self._cgroup is cgroup:
            self._cgroup = None
        try:
            await asyncio.to_thread(cgroup.remove, self.cgroup_kill_timeout)
        except CgroupError as exc:
            self.log.error("cleaning up the cgroup of %s: %s", self.user.name, exc)
        else:
            self.log.info("removed cgroup %s", cgroup.describe())

    def get_state(self) -> dict[str, Any]:
        """LocalProcessSpawner's state (pid) and the cgroup folders."""
        state = super().get_state()
        if self._cgroup is not None:
            state["cgroup"] = self._cgroup.to_state()
        return state

    def load_state(self, state: dict[str, Any]) -> None:
        """Restore the pid and the cgroup after a hub restart."""
        super().load_state(state)
        if state.get("cgroup"):
            self._cgroup = ServerCgroup.from_state(state["cgroup"])

    def get_env(self) -> dict[str, str]:
        """The server's environment, with its cgroup folder for tools that want to read it."""
        env = super().get_env()
        if self._cgroup is not None:
            env["JUPYTERHUB_CGROUP"] = self._cgroup.describe()
        return env


class SimpleCgroupSpawner(CgroupSpawner, SimpleLocalProcessSpawner):
    """:class:`CgroupSpawner` without Unix users: every server runs as the hub's user, in
    ``home_dir_template`` (e.g. ``/srv/jupyterhub/homes/{username}``). Limits are enforced the
    same; files are NOT isolated between students (they share one Unix account)."""
