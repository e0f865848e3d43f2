"""JupyterHub for the lecture on ONE machine: ``jupyterhub -f hub/jupyterhub_config.py`` (as root).

The per-student limits come from hub/limits.json (the one source; hub/z2jh/config.yaml carries
the same values). Spawner: SystemdSpawner when systemd is PID 1 and jupyterhub-systemdspawner is
installed, else hub/spawner.py's cgroup spawner, which refuses to start servers it cannot limit.
Students log in, land in JupyterLab on lecture/01_channels.ipynb (the notebooks are copied into
~/lecture at each start, never over a student's copy). Idle kernels are culled inside each
server, an idle server shuts itself down, and a hub restart leaves the servers running.

Settings (environment variables; defaults in brackets):
  HUB_IP [""= all interfaces]   address the proxy listens on (127.0.0.1: this machine only)
  HUB_PORT [8000]               its port; HUB_SSL_KEY + HUB_SSL_CERT: serve https directly
  HUB_API_PORT [8081]           the hub's own API, always on 127.0.0.1
  HUB_PROXY_API_PORT [8001]     configurable-http-proxy's API, always on 127.0.0.1
  HUB_PROXY_EXTERNAL [0]        1: the proxy runs as its own service (survives hub restarts);
                                needs CONFIGPROXY_AUTH_TOKEN, the same for proxy and hub
  HUB_DATA_DIR [/srv/jupyterhub] database, cookie secret, proxy pid file
  HUB_AUTHENTICATOR [pam]       pam: the machine's Unix accounts (students in HUB_ALLOWED_GROUP,
                                servers run as those users); native: jupyterhub-nativeauthenticator
                                (sign-up + instructor approval); dummy: any name, any password
                                (tests only, loopback only unless HUB_ALLOW_INSECURE=1); or a
                                dotted class name (HUB_UNIX_USERS=1 if its users are Unix users)
  HUB_ALLOWED_GROUP [students]  pam: the Unix group whose members may log in
  HUB_ADMIN_USERS [""]          comma-separated admin names (the instructor)
  HUB_HOME_ROOT [HUB_DATA_DIR/homes] homes when students are not Unix users (native, dummy)
  HUB_SPAWNER [auto]            auto | systemd | cgroup
  HUB_ALLOW_UNLIMITED [0]       1: cgroup spawner starts servers unlimited where no cgroup works
  HUB_CGROUP_PARENT [jupyterhub] cgroup folder (under the hub's own) for the students' cgroups
  HUB_NOTEBOOKS [notebooks]     folder (relative to the repository) copied into ~/lecture;
                                build/student after `make student` for the exercise edition
  HUB_CULL_KERNEL_AFTER [3600]  seconds before an idle kernel with no open tab is shut down
  HUB_CULL_SERVER_AFTER [3600]  seconds a server without kernels or activity waits, then stops
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import ipaddress
import math
import os
import subprocess
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

HUB_DIR = Path(__file__).resolve().parent
REPO = HUB_DIR.parent


def _load_spawner_module():
    """hub/spawner.py by path: the repository stays off sys.path, so lecture_helpers below is
    the installed package the students' kernels import."""
    name = "lecture_hub_spawner"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HUB_DIR / "spawner.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


_spawners = _load_spawner_module()
CgroupSpawner = _spawners.CgroupSpawner
SimpleCgroupSpawner = _spawners.SimpleCgroupSpawner
load_limits = _spawners.load_limits


def env(name: str, default: str) -> str:
    """An environment setting, stripped."""
    return os.environ.get(name, default).strip()


def env_flag(name: str) -> bool:
    """A yes/no environment setting: 1, true, yes, on."""
    value = env(name, "0").lower()
    if value not in {"0", "1", "true", "false", "yes", "no", "on", "off", ""}:
        raise ValueError(f"{name}={value!r}: use 1 or 0")
    return value in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """A whole-number environment setting."""
    value = env(name, str(default))
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a whole number") from None


def is_loopback(ip: str) -> bool:
    """Whether ``ip`` listens on this machine only."""
    if ip == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def prepared_models_dir() -> Path:
    """The folder holding the converted model, checked: a student's first login converts nothing.

    As lecture_helpers.assets.cache_dir() for the package the students' kernels import (found
    from outside the repository, as a kernel in a student's folder finds it; not imported, which
    would load TensorFlow): $LECTURE_HELPERS_CACHE, else that package's repository's models/.
    """
    code = "import importlib.util as u; s = u.find_spec('lecture_helpers'); print(s and s.origin)"
    found = subprocess.run(
        [sys.executable, "-c", code], cwd="/", capture_output=True, text=True, check=False
    ).stdout.strip()
    if found in ("", "None"):
        raise RuntimeError("lecture_helpers is not installed in the hub's Python: run make setup")
    package = Path(found).resolve().parent
    folder = Path(os.environ.get("LECTURE_HELPERS_CACHE") or package.parent / "models")
    tree = ast.parse((package / "assets.py").read_text())
    derived: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(getattr(t, "id", "") == "DERIVED_SHA256" for t in targets):
                derived = ast.literal_eval(node.value)
    for name, sha256 in derived.items():
        path = folder / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
            raise RuntimeError(
                f"{path} is missing or stale: run `python -m lecture_helpers.prepare` (or "
                "`make setup`) once before starting the hub, else every student's first "
                "notebook converts the model"
            )
    return folder


def not_for_others(paths: list[Path]) -> list[str]:
    """Which of ``paths`` (or their folders) other Unix users cannot reach: students' servers
    run as the students, so they need the Python, the lecture package and the notebooks."""
    problems = []
    for path in paths:
        path = path.resolve()
        for folder in [*reversed(path.parents), path]:
            mode = folder.stat().st_mode
            if folder.is_dir() and not mode & 0o001:
                problems.append(f"{folder} (folder, mode {mode & 0o777:o}: others cannot enter)")
                break
            if folder == path and not folder.is_dir() and not mode & 0o004:
                problems.append(f"{path} (mode {mode & 0o777:o}: others cannot read it)")
    return problems


# --- addresses -----------------------------------------------------------------------------------
ip = env("HUB_IP", "")
port = env_int("HUB_PORT", 8000)
scheme = "https" if env("HUB_SSL_CERT", "") else "http"
c.JupyterHub.bind_url = f"{scheme}://{ip}:{port}/"
if scheme == "https":
    c.JupyterHub.ssl_cert = env("HUB_SSL_CERT", "")
    c.JupyterHub.ssl_key = env("HUB_SSL_KEY", "")
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{env_int('HUB_API_PORT', 8081)}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{env_int('HUB_PROXY_API_PORT', 8001)}"

data_dir = Path(env("HUB_DATA_DIR", "/srv/jupyterhub"))
data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
c.JupyterHub.db_url = f"sqlite:///{data_dir / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(data_dir / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(data_dir / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(data_dir / "jupyterhub-proxy.pid")

# The proxy: npm ci --prefix hub (make hub-proxy), else configurable-http-proxy on PATH.
local_proxy = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
c.ConfigurableHTTPProxy.command = [
    str(local_proxy) if local_proxy.exists() else "configurable-http-proxy"
]
if env_flag("HUB_PROXY_EXTERNAL"):
    if not os.environ.get("CONFIGPROXY_AUTH_TOKEN"):
        raise ValueError("HUB_PROXY_EXTERNAL=1 needs CONFIGPROXY_AUTH_TOKEN (the proxy's token)")
    c.ConfigurableHTTPProxy.should_start = False

# A hub restart (upgrade, config change, crash) leaves the students' servers and kernels running.
c.JupyterHub.cleanup_servers = False

# --- who logs in ---------------------------------------------------------------------------------
authenticator = env("HUB_AUTHENTICATOR", "pam")
admins = {name.strip() for name in env("HUB_ADMIN_USERS", "").split(",") if name.strip()}
c.Authenticator.admin_users = admins
unix_users = authenticator == "pam"
if authenticator == "pam":
    c.JupyterHub.authenticator_class = "pam"
    c.PAMAuthenticator.allowed_groups = {env("HUB_ALLOWED_GROUP", "students")}
elif authenticator == "native":
    if importlib.util.find_spec("nativeauthenticator") is None:
        raise RuntimeError(
            "HUB_AUTHENTICATOR=native needs `pip install jupyterhub-nativeauthenticator`"
        )
    c.JupyterHub.authenticator_class = "native"
    c.NativeAuthenticator.open_signup = False  # the instructor approves each sign-up
    c.NativeAuthenticator.minimum_password_length = 8
    c.Authenticator.allow_all = True  # every approved account
elif authenticator == "dummy":
    if not is_loopback(ip) and not env_flag("HUB_ALLOW_INSECURE"):
        raise ValueError(
            "HUB_AUTHENTICATOR=dummy lets anyone in with any password: use it with "
            "HUB_IP=127.0.0.1 (tests), or set HUB_ALLOW_INSECURE=1 if you really mean it"
        )
    c.JupyterHub.authenticator_class = "dummy"
    c.Authenticator.allow_all = True
else:
    c.JupyterHub.authenticator_class = authenticator  # a dotted name; configure it below
    unix_users = env_flag("HUB_UNIX_USERS")

# --- limits and spawner --------------------------------------------------------------------------
limits = load_limits(HUB_DIR / "limits.json")
c.Spawner.mem_limit = limits.memory_limit
c.Spawner.mem_guarantee = limits.memory_guarantee
c.Spawner.cpu_limit = limits.cpu_limit
c.Spawner.cpu_guarantee = limits.cpu_guarantee

spawner = env("HUB_SPAWNER", "auto")
if spawner not in {"auto", "systemd", "cgroup"}:
    raise ValueError(f"HUB_SPAWNER={spawner!r}: use auto, systemd or cgroup")
systemd_runs = Path("/run/systemd/system").is_dir()
systemdspawner = importlib.util.find_spec("systemdspawner") is not None
if spawner == "systemd" and not (systemd_runs and systemdspawner):
    raise RuntimeError(
        "HUB_SPAWNER=systemd needs systemd as PID 1 and `pip install jupyterhub-systemdspawner`"
    )
home_root = Path(env("HUB_HOME_ROOT", str(data_dir / "homes")))
servers_as_root = False
if spawner == "systemd" or (spawner == "auto" and systemd_runs and systemdspawner):
    c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"  # MemoryMax=, CPUQuota=
    c.SystemdSpawner.dynamic_users = not unix_users  # native/dummy: a throwaway Unix user each
    c.SystemdSpawner.isolate_tmp = True
    c.SystemdSpawner.isolate_devices = True
    c.SystemdSpawner.disable_user_sudo = True
else:
    cls = CgroupSpawner if unix_users else SimpleCgroupSpawner
    c.JupyterHub.spawner_class = cls
    c.CgroupSpawner.cgroup_parent = env("HUB_CGROUP_PARENT", "jupyterhub")
    c.CgroupSpawner.allow_unlimited = env_flag("HUB_ALLOW_UNLIMITED")
    if not unix_users:
        home_root.mkdir(parents=True, exist_ok=True)
        c.SimpleLocalProcessSpawner.home_dir_template = str(home_root / "{username}")
        servers_as_root = os.geteuid() == 0

# --- what a student's server runs ----------------------------------------------------------------
notebooks = (REPO / env("HUB_NOTEBOOKS", "notebooks")).resolve()
if not any(notebooks.glob("*.ipynb")):
    raise RuntimeError(f"HUB_NOTEBOOKS: no notebooks in {notebooks} (make student builds them)")
c.Spawner.cmd = [sys.executable, str(HUB_DIR / "singleuser.py")]
if unix_users:
    needed = [Path(sys.executable), HUB_DIR / "singleuser.py", notebooks / "01_channels.ipynb"]
    blocked = not_for_others(needed)
    if blocked:
        raise RuntimeError(
            "the students' servers run as their Unix users, who cannot reach: "
            + "; ".join(blocked)
            + ". Install the lecture and its Python where every user can read them (e.g. "
            "/opt/lecture with `python3 -m venv`, not under /root or a private home)"
        )
threads = str(max(1, math.ceil(limits.cpu_limit)))  # as many threads as cores allowed
c.Spawner.environment = {
    "LECTURE_NOTEBOOKS": str(notebooks),
    "LECTURE_FOLDER": "lecture",
    "LECTURE_HELPERS_CACHE": str(prepared_models_dir()),
    # TensorFlow and numpy size their thread pools by the machine's cores, not the quota
    "OMP_NUM_THREADS": threads,
    "TF_NUM_INTRAOP_THREADS": threads,
    "TF_NUM_INTEROP_THREADS": "1",
}
c.Spawner.default_url = "/lab/tree/lecture/01_channels.ipynb"
# A server starts in about 4 CPU-seconds (imports), so when a whole class logs in at once on a
# small machine, servers queue for CPU: 8 at once on a busy 2-core machine took 67 s to answer.
c.Spawner.http_timeout = 180
c.Spawner.start_timeout = 300
kernel_idle = env_int("HUB_CULL_KERNEL_AFTER", 3600)
server_idle = env_int("HUB_CULL_SERVER_AFTER", 3600)
c.Spawner.args = [
    f"--MappingKernelManager.cull_idle_timeout={kernel_idle}",
    "--MappingKernelManager.cull_interval=300",
    "--MappingKernelManager.cull_connected=False",  # a student's open tab keeps the kernel
    "--MappingKernelManager.cull_busy=False",  # a long cell is not idle
    f"--ServerApp.shutdown_no_activity_timeout={server_idle}",
    # Instructor-only server extensions stay off in students' servers (faster start):
    # nbgrader's formgrader and course list, and the language-server bridge (no servers here).
    *[
        f"--ServerApp.jpserver_extensions={name}=False"
        for name in (
            "nbgrader.server_extensions.formgrader",
            "nbgrader.server_extensions.course_list",
            "jupyter_lsp",
        )
    ],
    "--LabApp.extension_manager=readonly",  # students do not install JupyterLab extensions
    *(["--allow-root"] if servers_as_root else []),
]
