"""The class JupyterHub (hub/): limits parsing, cgroup writing and enforcement, the configs agree
with hub/limits.json, and one real hub on 127.0.0.1 runs a student's cell and leaves nothing.

The end-to-end test needs configurable-http-proxy (`make hub-proxy`): it is skipped without it,
except under CI (CI=true), where a missing proxy fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest
import yaml
from traitlets.config import Config, PyFileConfigLoader

from hub import spawner as hub_spawner
from hub.spawner import (
    CFS_PERIOD_US,
    CgroupError,
    CgroupSpawner,
    Hierarchy,
    ServerCgroup,
    SimpleCgroupSpawner,
    cfs_quota_us,
    load_limits,
    locate,
    locate_self,
    parse_cpu,
    parse_memory,
    parse_mountinfo,
    parse_proc_cgroup,
    safe_name,
)
from tests.notebook_files import ROOT

HUB = ROOT / "hub"
GiB = 1024**3


# --- limits -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2G", 2 * GiB),
        ("1.5G", 3 * GiB // 2),
        ("1536M", 1536 * 1024**2),
        ("512K", 512 * 1024),
        ("1T", 1024**4),
        (4096, 4096),
    ],
)
def test_parse_memory_uses_powers_of_1024_like_jupyterhub(text, expected):
    from jupyterhub.traitlets import ByteSpecification

    assert parse_memory(text) == expected
    assert ByteSpecification().validate(None, text) == expected  # KubeSpawner, SystemdSpawner


@pytest.mark.parametrize(
    "bad", ["", "2GB", "2Gi", "-1G", "0G", "100", "G", "two", 0, True, None, [1]]
)
def test_parse_memory_rejects_what_jupyterhub_would_misread(bad):
    with pytest.raises(ValueError, match="memory size"):
        parse_memory(bad)


@pytest.mark.parametrize("bad", [0, -1, "x", float("nan"), float("inf"), True, None])
def test_parse_cpu_rejects_non_positive_or_non_numbers(bad):
    with pytest.raises(ValueError, match="cpu amount"):
        parse_cpu(bad)


def test_cfs_quota_is_cores_times_the_period_with_a_floor():
    assert cfs_quota_us(1.0) == CFS_PERIOD_US
    assert cfs_quota_us(0.5) == CFS_PERIOD_US // 2
    assert cfs_quota_us(2) == 2 * CFS_PERIOD_US
    assert cfs_quota_us(0.001) == 1000  # the kernel's minimum quota is 1 ms


def test_limits_json_is_valid_and_records_its_measurement():
    limits = load_limits()
    assert limits.memory_guarantee_bytes <= limits.memory_limit_bytes
    assert 0 < limits.cpu_guarantee <= limits.cpu_limit
    measured = limits.measured
    for key in ("date", "machine", "peak_memory_per_student_gib", "command"):
        assert key in measured, f"hub/limits.json 'measured' lacks {key}"
    # the limit leaves room above the measured peak (server + both notebooks' kernels)
    assert measured["peak_memory_per_student_gib"] * GiB < limits.memory_limit_bytes


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not valid JSON"),
        ('{"memory_limit": "2G"}', "lacks memory_guarantee"),
        (
            '{"memory_limit": "1G", "memory_guarantee": "2G", "cpu_limit": 1, "cpu_guarantee": 1}',
            "exceeds memory_limit",
        ),
        (
            '{"memory_limit": "2G", "memory_guarantee": "1G", "cpu_limit": 1, "cpu_guarantee": 2}',
            "exceeds cpu_limit",
        ),
        (
            '{"memory_limit": "2 GB", "memory_guarantee": "1G", "cpu_limit": 1,'
            ' "cpu_guarantee": 1}',
            "memory size",
        ),
    ],
)
def test_load_limits_names_the_problem(tmp_path, content, message):
    path = tmp_path / "limits.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        load_limits(path)


# --- finding the cgroups --------------------------------------------------------------------------

MOUNTINFO_V1 = """\
25 30 0:23 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
26 25 0:24 / {root}/memory rw,relatime - cgroup cgroup rw,memory
27 25 0:25 / {root}/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
28 25 0:26 / {root}/pids rw,relatime - cgroup cgroup rw,pids
29 25 0:27 / {root}/unified rw,relatime - cgroup2 cgroup2 rw
"""
PROC_V1 = "5:pids:/\n4:memory:/process_api/abc\n2:cpu,cpuacct:/\n0::/\n"
MOUNTINFO_V2 = "30 25 0:28 / {root} rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n"
PROC_V2 = "0::/hub.service\n"


def test_locate_finds_the_processs_own_cgroup_v1(tmp_path):
    (tmp_path / "memory" / "process_api" / "abc").mkdir(parents=True)
    (tmp_path / "cpu,cpuacct").mkdir()
    hierarchy = locate(MOUNTINFO_V1.format(root=tmp_path), PROC_V1)
    assert hierarchy.version == 1
    assert hierarchy.dirs == {
        "memory": tmp_path / "memory" / "process_api" / "abc",
        "cpu": tmp_path / "cpu,cpuacct",
        "cpuacct": tmp_path / "cpu,cpuacct",
    }


def test_locate_uses_the_mount_root_of_a_bind_mounted_hierarchy(tmp_path):
    # a container without its own cgroup namespace: /docker/x of the host mounted as memory/
    (tmp_path / "memory" / "jupyter").mkdir(parents=True)
    (tmp_path / "cpu").mkdir()
    mountinfo = (
        f"1 0 0:1 /docker/x {tmp_path}/memory rw - cgroup cgroup rw,memory\n"
        f"2 0 0:2 /docker/x {tmp_path}/cpu rw - cgroup cgroup rw,cpu\n"
    )
    proc = "4:memory:/docker/x/jupyter\n2:cpu:/docker/x\n"
    assert locate(mountinfo, proc).dirs["memory"] == tmp_path / "memory" / "jupyter"
    with pytest.raises(CgroupError, match="outside the cgroup mount"):
        locate(mountinfo, "4:memory:/elsewhere\n2:cpu:/docker/x\n")


def test_locate_v2_needs_memory_and_cpu_available(tmp_path):
    (tmp_path / "hub.service").mkdir()
    (tmp_path / "hub.service" / "cgroup.controllers").write_text("cpu io memory pids\n")
    hierarchy = locate(MOUNTINFO_V2.format(root=tmp_path), PROC_V2)
    assert hierarchy == Hierarchy(2, {"unified": tmp_path / "hub.service"})
    (tmp_path / "hub.service" / "cgroup.controllers").write_text("pids\n")
    with pytest.raises(CgroupError, match="no memory and cpu controller"):
        locate(MOUNTINFO_V2.format(root=tmp_path), PROC_V2)


def test_locate_without_cgroups_says_how_to_fix_it():
    with pytest.raises(CgroupError) as error:
        locate("", "")
    message = str(error.value)
    assert "no cgroup filesystem" in message
    assert "SystemdSpawner" in message and "allow_unlimited" in message


def test_parsers_keep_only_cgroup_mounts_and_split_controllers(tmp_path):
    mounts = parse_mountinfo(MOUNTINFO_V1.format(root=tmp_path))
    assert [(m.version, sorted(m.controllers)) for m in mounts] == [
        (1, ["memory"]),
        (1, ["cpu", "cpuacct"]),
        (1, ["pids"]),
        (2, []),
    ]
    assert parse_proc_cgroup(PROC_V1) == {
        "pids": "/",
        "memory": "/process_api/abc",
        "cpu": "/",
        "cpuacct": "/",
        "": "/",
    }


def test_safe_name_gives_one_folder_per_user():
    assert safe_name("alice") == "user-alice"
    assert safe_name("..") == "user-.."  # never the parent folder
    assert "/" not in safe_name("a/b") and safe_name("a/b") != safe_name("a_b")
    assert safe_name("a b") != safe_name("a_b")
    assert safe_name("a b") != safe_name("a_20_b")


# --- writing the limits (a fake cgroup root) --------------------------------------------------


def test_v1_limits_are_written_in_each_controller(tmp_path):
    memory, cpu = tmp_path / "memory" / "own", tmp_path / "cpu"
    memory.mkdir(parents=True)
    cpu.mkdir()
    hierarchy = Hierarchy(1, {"memory": memory, "cpu": cpu, "cpuacct": cpu})
    cgroup = ServerCgroup.create(hierarchy, "jupyterhub", "user-alice")
    assert cgroup.dirs["memory"] == memory / "jupyterhub" / "user-alice"
    (cgroup.dirs["memory"] / "memory.memsw.limit_in_bytes").write_text("max\n")
    cgroup.limit(2 * GiB, 1.5, 1 * GiB, 0.5)
    read = lambda folder, name: (folder / name).read_text().strip()  # noqa: E731
    assert read(cgroup.dirs["memory"], "memory.limit_in_bytes") == str(2 * GiB)
    assert read(cgroup.dirs["memory"], "memory.memsw.limit_in_bytes") == str(2 * GiB)
    assert read(cgroup.dirs["memory"], "memory.soft_limit_in_bytes") == str(GiB)
    assert read(cgroup.dirs["cpu"], "cpu.cfs_period_us") == "100000"
    assert read(cgroup.dirs["cpu"], "cpu.cfs_quota_us") == "150000"
    assert read(cgroup.dirs["cpu"], "cpu.shares") == "512"
    assert ServerCgroup.from_state(json.loads(json.dumps(cgroup.to_state()))) == cgroup


def test_v2_limits_and_controller_delegation(tmp_path):
    own = tmp_path / "hub.service"
    own.mkdir()
    (own / "cgroup.subtree_control").write_text("")
    cgroup = ServerCgroup.create(Hierarchy(2, {"unified": own}), "jupyterhub", "user-bob")
    assert (own / "cgroup.subtree_control").read_text().split() == ["+memory", "+cpu"]
    assert (own / "jupyterhub" / "cgroup.subtree_control").read_text().split() == [
        "+memory",
        "+cpu",
    ]
    folder = cgroup.dirs["unified"]
    (folder / "memory.swap.max").write_text("max\n")
    cgroup.limit(3 * GiB // 2, 0.25, GiB // 2, 0.25)
    assert (folder / "memory.max").read_text().strip() == str(3 * GiB // 2)
    assert (folder / "memory.swap.max").read_text().strip() == "0"
    assert (folder / "memory.low").read_text().strip() == str(GiB // 2)
    assert (folder / "cpu.max").read_text().strip() == "25000 100000"
    assert (folder / "cpu.weight").read_text().strip() == "25"


def test_create_fails_with_the_fix_when_the_cgroup_cannot_be_made(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    hierarchy = Hierarchy(1, {"memory": not_a_folder, "cpu": not_a_folder})
    with pytest.raises(CgroupError, match="cannot create the cgroup .*Fix: run the hub as root"):
        ServerCgroup.create(hierarchy, "jupyterhub", "user-alice")
    with pytest.raises(ValueError, match="one folder name"):
        ServerCgroup.create(hierarchy, "../escape", "user-alice")


def _spawner(cls, **traits):
    user = SimpleNamespace(name="alice", url="/user/alice/", escaped_name="alice")
    return cls(user=user, **traits)


def test_the_spawner_refuses_to_start_unlimited(monkeypatch):
    def no_cgroups():
        raise CgroupError("no cgroup filesystem with a memory controller is mounted. Fix: ...")

    monkeypatch.setattr(hub_spawner, "locate_self", no_cgroups)
    spawner = _spawner(SimpleCgroupSpawner, mem_limit="2G", cpu_limit=1.0)
    with pytest.raises(CgroupError, match="no cgroup filesystem"):
        spawner._make_cgroup()
    with pytest.raises(CgroupError, match="needs Spawner.mem_limit and Spawner.cpu_limit"):
        _spawner(CgroupSpawner, mem_limit=None, cpu_limit=1.0)._make_cgroup()
    # only an explicit opt-out starts without limits
    assert _spawner(SimpleCgroupSpawner, allow_unlimited=True)._make_cgroup() is None


def test_the_spawner_keeps_its_cgroup_in_the_state_across_hub_restarts(tmp_path):
    spawner = _spawner(SimpleCgroupSpawner)
    cgroup = ServerCgroup(1, {"memory": tmp_path / "m", "cpu": tmp_path / "c"})
    spawner._cgroup = cgroup
    spawner.pid = 4242
    state = json.loads(json.dumps(spawner.get_state()))  # the hub stores it as JSON
    restored = _spawner(SimpleCgroupSpawner)
    restored.load_state(state)
    assert restored.pid == 4242 and restored._cgroup == cgroup


# --- enforcement by the kernel (this machine's cgroups) ------------------------------------------


def _writable_cgroups() -> Hierarchy | None:
    if os.geteuid() != 0:
        return None
    try:
        hierarchy = locate_self()
        probe = ServerCgroup.create(hierarchy, f"probe-{os.getpid()}", "probe")
        probe.remove()
        return hierarchy
    except (CgroupError, OSError):
        return None


HIERARCHY = _writable_cgroups()
needs_cgroups = pytest.mark.skipif(
    HIERARCHY is None, reason="no writable cgroup here (needs root and cgroup v1 or v2)"
)


def _run_in(cgroup: ServerCgroup, code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        preexec_fn=cgroup.join_function(),
        capture_output=True,
        text=True,
        timeout=60,
    )


@needs_cgroups
def test_the_memory_limit_is_enforced_and_the_cgroup_removed():
    cgroup = ServerCgroup.create(HIERARCHY, f"test-hub-{os.getpid()}", "user-oom")
    try:
        cgroup.limit(200 * 1024**2, 1.0)
        allocate = "import numpy as np\nx = [np.ones(2**25) for _ in range(4)]\nprint('survived')"
        result = _run_in(cgroup, allocate)  # 4 x 256 MiB in a 200 MiB cgroup
        assert result.returncode == -9, result  # SIGKILL by the OOM killer
        assert "survived" not in result.stdout
        assert cgroup.oom_kills() >= 1
        assert 150 * 1024**2 < cgroup.memory_peak() <= 200 * 1024**2
    finally:
        cgroup.remove()
    assert not cgroup.exists()
    assert not any((own / f"test-hub-{os.getpid()}").exists() for own in HIERARCHY.dirs.values())


@needs_cgroups
def test_the_cpu_limit_is_enforced():
    cgroup = ServerCgroup.create(HIERARCHY, f"test-hub-{os.getpid()}", "user-cpu")
    try:
        cgroup.limit(512 * 1024**2, 0.2)
        busy = "import time\nend = time.time() + 1.5\nwhile time.time() < end: pass"
        _run_in(cgroup, busy)
        used = cgroup.cpu_seconds()
        if used is None:  # no cpuacct: the process's own rusage
            used = sum(os.times()[2:4])
        assert used < 0.5, f"{used:.2f} CPU-s in 1.5 s at a 0.2-core limit"
    finally:
        cgroup.remove()


@needs_cgroups
def test_remove_kills_what_is_left_in_the_cgroup():
    cgroup = ServerCgroup.create(HIERARCHY, f"test-hub-{os.getpid()}", "user-leftover")
    sleeper = subprocess.Popen(["sleep", "60"], preexec_fn=cgroup.join_function())
    try:
        assert cgroup.pids() == [sleeper.pid]
        assert cgroup.kill() == [sleeper.pid]
        assert sleeper.wait(5) == -9
    finally:
        sleeper.kill()
        cgroup.remove()
    assert not cgroup.exists()


# --- the configs use hub/limits.json ------------------------------------------------------------


def _load_config(monkeypatch, tmp_path, **env) -> Config:
    settings = {
        "HUB_IP": "127.0.0.1",
        "HUB_DATA_DIR": str(tmp_path / "data"),
        "HUB_AUTHENTICATOR": "dummy",
        "HUB_SPAWNER": "cgroup",
        **env,
    }
    for name in [n for n in os.environ if n.startswith("HUB_")]:
        monkeypatch.delenv(name)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    loader = PyFileConfigLoader("jupyterhub_config.py", path=str(HUB))
    return loader.load_config()


def test_the_one_machine_config_uses_limits_json(monkeypatch, tmp_path):
    limits = load_limits()
    c = _load_config(monkeypatch, tmp_path)
    assert c.Spawner.mem_limit == limits.memory_limit
    assert c.Spawner.mem_guarantee == limits.memory_guarantee
    assert c.Spawner.cpu_limit == limits.cpu_limit
    assert c.Spawner.cpu_guarantee == limits.cpu_guarantee
    assert c.JupyterHub.spawner_class.__name__ == "SimpleCgroupSpawner"
    assert c.JupyterHub.cleanup_servers is False
    assert c.JupyterHub.bind_url.startswith("http://127.0.0.1:")
    assert c.Spawner.default_url == "/lab/tree/lecture/01_channels.ipynb"
    assert any(a.startswith("--MappingKernelManager.cull_idle_timeout=") for a in c.Spawner.args)
    environment = c.Spawner.environment
    assert (Path(environment["LECTURE_NOTEBOOKS"]) / "01_channels.ipynb").is_file()
    assert (Path(environment["LECTURE_HELPERS_CACHE"]) / "efficientnet_lite0.weights.npy").is_file()


def test_the_one_machine_config_defaults_to_pam_on_all_interfaces(monkeypatch, tmp_path):
    for name in [n for n in os.environ if n.startswith("HUB_")]:
        monkeypatch.delenv(name)
    python = Path(sys.executable).resolve()
    if any(not p.stat().st_mode & 0o001 for p in python.parents):  # e.g. pyenv under /root
        with pytest.raises(RuntimeError, match="students' servers run as their Unix users"):
            _load_config(monkeypatch, tmp_path, HUB_IP="", HUB_AUTHENTICATOR="pam")
        return
    c = _load_config(monkeypatch, tmp_path, HUB_IP="", HUB_AUTHENTICATOR="pam")
    assert c.JupyterHub.authenticator_class == "pam"
    assert c.JupyterHub.spawner_class.__name__ == "CgroupSpawner"  # servers as Unix users
    assert c.JupyterHub.bind_url == "http://:8000/"
    assert c.JupyterHub.hub_bind_url.startswith("http://127.0.0.1:")


def test_the_config_refuses_dummy_login_off_loopback(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="HUB_AUTHENTICATOR=dummy"):
        _load_config(monkeypatch, tmp_path, HUB_IP="0.0.0.0")
    with pytest.raises(ValueError, match="HUB_SPAWNER"):
        _load_config(monkeypatch, tmp_path, HUB_SPAWNER="docker")


def test_the_kubernetes_config_uses_limits_json():
    limits = load_limits()
    config = yaml.safe_load((HUB / "z2jh" / "config.yaml").read_text())
    single = config["singleuser"]
    assert str(single["memory"]["limit"]) == limits.memory_limit
    assert str(single["memory"]["guarantee"]) == limits.memory_guarantee
    assert float(single["cpu"]["limit"]) == limits.cpu_limit
    assert float(single["cpu"]["guarantee"]) == limits.cpu_guarantee
    # the student's volume must not hide the image's repository (models/, data/, the package)
    home = single["storage"]["homeMountPath"].rstrip("/")
    assert home.startswith("/home/jovyan/") and home != "/home/jovyan"
    cache = single["extraEnv"]["LECTURE_HELPERS_CACHE"]
    assert cache == "/home/jovyan/models" and not cache.startswith(home)
    copy = " ".join(single["lifecycleHooks"]["postStart"]["exec"]["command"])
    assert "cp -n /home/jovyan/notebooks/*.ipynb" in copy and f"{home}/lecture" in copy
    server = single["extraFiles"]["jupyter-server-config"]["data"]
    assert server["ServerApp"]["root_dir"] == home
    assert server["MappingKernelManager"]["cull_idle_timeout"] > 0
    notebook = single["defaultUrl"].removeprefix("/lab/tree/lecture/")
    assert (ROOT / "notebooks" / notebook).is_file()
    assert config["cull"]["enabled"] is True
    # the image's postBuild converts the model, so a first login converts nothing
    assert "python -m lecture_helpers.prepare" in (ROOT / "postBuild").read_text()


def test_the_readme_states_the_limits_of_limits_json():
    limits = load_limits()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Teaching a class") : readme.index("## Your own model")]
    assert f"| memory | {limits.memory_limit} " in section
    assert f"| CPU | {limits.cpu_limit} core | {limits.cpu_guarantee} core |" in section
    assert f"tljh-config set limits.memory {limits.memory_limit} " in section
    assert f"tljh-config set limits.cpu {limits.cpu_limit} " in section


# --- one real hub ------------------------------------------------------------------------------


def _processes_under(marker: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline", "environ"]):
        try:
            text = " ".join(proc.info["cmdline"] or []) + " ".join(
                f"{k}={v}" for k, v in (proc.info["environ"] or {}).items()
            )
        except (psutil.Error, TypeError):
            continue
        if marker in text and proc.pid != os.getpid():
            found.append(proc)
    return found


def test_a_student_runs_a_cell_on_the_hub_and_nothing_is_left(tmp_path):
    from hub.simulate import KernelSocket, LocalHub, Student, proxy_available

    if not proxy_available():
        message = "configurable-http-proxy is not installed: run `make hub-proxy`"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI must run the hub test)")
        pytest.skip(message)
    env = {} if HIERARCHY is not None else {"HUB_ALLOW_UNLIMITED": "1"}
    hub = LocalHub(tmp_path / "hub", env=env)
    start = time.monotonic()
    try:
        hub.start(timeout=60)
        student = Student(hub, "alice")
        student.login()
        student.wait_ready(timeout=90)
        path = "lecture/01_channels.ipynb"
        notebook, kernel_id = student.open_notebook(path)
        assert notebook["cells"], "the lecture notebook was not copied into the student's home"
        socket_ = KernelSocket(student, kernel_id)
        socket_.connect()
        assert socket_.wait_ready(60)
        code = "import os, lecture_helpers as lh\nprint(lh.__name__, 6 * 7, os.getcwd())"
        result = socket_.execute(code, timeout=60)
        socket_.close()
        assert result.status == "ok", result.error
        text = "".join(o.get("text", "") for o in result.outputs)
        name, answer, cwd = text.split()
        assert (name, answer) == ("lecture_helpers", "42")
        assert Path(cwd) == tmp_path / "hub" / "homes" / "alice" / "lecture"  # notebook's folder
        state = hub.server_model("alice")["state"]
        pids = [state["pid"], hub.hub.pid]
        if HIERARCHY is not None:
            cgroup = ServerCgroup.from_state(state["cgroup"])
            assert state["pid"] in cgroup.pids()
            limits = load_limits()
            if cgroup.version == 1:
                limit = (cgroup.dirs["memory"] / "memory.limit_in_bytes").read_text()
            else:
                limit = (cgroup.dirs["unified"] / "memory.max").read_text()
            assert int(limit) == limits.memory_limit_bytes
            pids += cgroup.pids()  # the kernel too
        else:
            assert "WITHOUT limits" in hub.log_path.read_text()
    finally:
        hub.close()
    assert not hub.cgroup_dirs(), "cgroups left behind"
    alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]
    assert not alive, f"processes left behind: {alive}"
    assert not _processes_under(str(tmp_path)), "processes of this hub left behind"
    assert time.monotonic() - start < 60


def test_the_notebooks_are_copied_in_but_never_over_a_students_copy(tmp_path):
    from hub.singleuser import copy_missing

    source, home = tmp_path / "lecture", tmp_path / "home" / "lecture"
    source.mkdir()
    (source / "01_a.ipynb").write_text("lecture 1")
    (source / "02_b.ipynb").write_text("lecture 2")
    (source / "notes.txt").write_text("not a notebook")
    home.mkdir(parents=True)
    (home / "01_a.ipynb").write_text("the student's work")
    assert copy_missing(source, home) == [home / "02_b.ipynb"]
    assert (home / "01_a.ipynb").read_text() == "the student's work"
    assert (home / "02_b.ipynb").read_text() == "lecture 2"
    assert not (home / "notes.txt").exists()
    assert copy_missing(source, home) == []
