"""Run hub/jupyterhub_config.py on 127.0.0.1 and drive it as students do, through the proxy.

Used by the load test (``python -m benchmarks.hub_load``) and ``tests/product/test_hub.py``:

* :class:`LocalHub` starts the real JupyterHub (DummyAuthenticator, the cgroup spawner,
  hub/limits.json) with its database, logs and the students' homes in one temporary folder, plus
  a service token for the admin API (server state: pid and cgroup). Optionally the proxy runs on
  its own, as in production, so it outlives hub restarts. :meth:`LocalHub.close` stops servers,
  hub and proxy and removes every cgroup it made, whatever happened before.
* :class:`Student` logs in with the login form (cookies, _xsrf), waits for the server like the
  spawn-pending page, loads JupyterLab (OAuth), then uses the REST API (sessions, contents) and
  the kernel websocket (``/user/<name>/api/kernels/<id>/channels``) as JupyterLab does.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
import websocket

from hub.spawner import ServerCgroup, locate_self

HUB_DIR = Path(__file__).resolve().parent
REPO = HUB_DIR.parent
PROXY = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
JUPYTERHUB = Path(sys.executable).parent / "jupyterhub"


class HubError(RuntimeError):
    """The hub or a student's server did not do what a student needs."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proxy_available() -> bool:
    """Whether configurable-http-proxy is installed in hub/node_modules (npm ci --prefix hub)."""
    return PROXY.exists() and shutil.which("node") is not None


def _kill_group(proc: subprocess.Popen | None, timeout: float = 10.0) -> None:
    """SIGTERM a process group, SIGKILL it after ``timeout`` seconds."""
    if proc is None or proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


class LocalHub:
    """JupyterHub with hub/jupyterhub_config.py on 127.0.0.1, all state in ``workdir``."""

    def __init__(
        self,
        workdir: Path,
        external_proxy: bool = False,
        env: dict[str, str] | None = None,
        cgroup_parent: str | None = None,
    ) -> None:
        if not proxy_available():
            raise HubError(f"configurable-http-proxy is not installed at {PROXY}: make hub-proxy")
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port, self.api_port, self.proxy_api_port = free_port(), free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(16)
        self.proxy_token = secrets.token_hex(16)
        self.external_proxy = external_proxy
        self.cgroup_parent = cgroup_parent or f"hubtest-{os.getpid()}-{self.port}"
        self.hub: subprocess.Popen | None = None
        self.proxy: subprocess.Popen | None = None
        self.config = self.workdir / "jupyterhub_config.py"
        self.config.write_text(
            "c = get_config()  # noqa\n"
            f"load_subconfig({str(HUB_DIR / 'jupyterhub_config.py')!r})  # noqa\n"
            f"c.JupyterHub.services = [{{'name': 'hub-load', 'api_token': {self.token!r}}}]\n"
            "c.JupyterHub.load_roles = [{'name': 'hub-load', 'services': ['hub-load'], 'scopes':"
            " ['admin:users', 'admin:servers', 'admin:server_state', 'list:users',"
            " 'read:users']}]\n"
        )
        self.env = {
            **os.environ,
            "HUB_IP": "127.0.0.1",
            "HUB_PORT": str(self.port),
            "HUB_API_PORT": str(self.api_port),
            "HUB_PROXY_API_PORT": str(self.proxy_api_port),
            "HUB_DATA_DIR": str(self.workdir / "data"),
            "HUB_HOME_ROOT": str(self.workdir / "homes"),
            "HUB_AUTHENTICATOR": "dummy",
            "HUB_SPAWNER": "cgroup",
            "HUB_CGROUP_PARENT": self.cgroup_parent,
            **(env or {}),
        }
        if external_proxy:
            self.env["HUB_PROXY_EXTERNAL"] = "1"
            self.env["CONFIGPROXY_AUTH_TOKEN"] = self.proxy_token
        self.log_path = self.workdir / "hub.log"
        self.starts = 0
        self.last_restart: dict[str, float] = {}

    # -- processes ---------------------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> None:
        """Start the proxy (when external) and the hub; return when the hub answers."""
        if self.external_proxy and (self.proxy is None or self.proxy.poll() is not None):
            self.proxy = subprocess.Popen(
                [
                    str(PROXY),
                    "--ip", "127.0.0.1", "--port", str(self.port),
                    "--api-ip", "127.0.0.1", "--api-port", str(self.proxy_api_port),
                    "--default-target", f"http://127.0.0.1:{self.api_port}",
                    "--error-target", f"http://127.0.0.1:{self.api_port}/hub/error",
                    "--log-level", "warn",
                ],
                env={**os.environ, "CONFIGPROXY_AUTH_TOKEN": self.proxy_token},
                stdout=self._log(), stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        # The hub's servers inherit its stdout: a file, never a pipe that could close.
        self.hub = subprocess.Popen(
            [str(JUPYTERHUB), "-f", str(self.config)],
            cwd=self.workdir,
            env=self.env,
            stdout=self._log(),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.hub.poll() is not None:
                raise HubError(f"the hub exited with {self.hub.returncode}:\n{self.log_tail()}")
            try:
                if self.api("GET", "/").status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise HubError(f"the hub did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def _log(self):
        return open(self.log_path, "ab")  # noqa: SIM115 - handed to the child process

    def stop_hub(self, timeout: float = 30.0) -> None:
        """Stop the hub process only (cleanup_servers=False: servers keep running)."""
        _kill_group(self.hub, timeout)

    def restart_hub(self, timeout: float = 60.0) -> float:
        """Stop and start the hub; returns the seconds the hub was unavailable."""
        start = time.monotonic()
        self.stop_hub()
        stopped = time.monotonic()
        self.start(timeout)
        self.last_restart = {"stop_s": stopped - start, "start_s": time.monotonic() - stopped}
        return time.monotonic() - start

    def log_tail(self, lines: int = 40) -> str:
        """The end of the hub's log."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- admin API -----------------------------------------------------------------------------
    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A hub REST API call with the service token, through the proxy."""
        headers = {"Authorization": f"token {self.token}", **kwargs.pop("headers", {})}
        return requests.request(
            method, f"{self.base}/hub/api{path}", headers=headers, timeout=30, **kwargs
        )

    def server_model(self, name: str) -> dict[str, Any] | None:
        """The hub's record of ``name``'s default server (with state), None if not running."""
        response = self.api("GET", f"/users/{name}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json().get("servers", {}).get("")

    def cgroup_of(self, name: str) -> ServerCgroup | None:
        """The cgroup the spawner made for ``name``'s server (from the spawner state)."""
        model = self.server_model(name)
        state = (model or {}).get("state") or {}
        return ServerCgroup.from_state(state["cgroup"]) if state.get("cgroup") else None

    def stop_server(self, name: str, timeout: float = 60.0) -> None:
        """Stop ``name``'s server through the API and wait until the hub says it stopped."""
        response = self.api("DELETE", f"/users/{name}/server")
        if response.status_code not in (202, 204, 400, 404):
            response.raise_for_status()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server_model(name) is None:
                return
            time.sleep(0.25)
        raise HubError(f"{name}'s server did not stop within {timeout:.0f} s")

    def cgroup_dirs(self) -> list[Path]:
        """Every folder of this hub's cgroup parent that exists (for leak checks)."""
        try:
            hierarchy = locate_self()
        except Exception:  # noqa: BLE001 - no cgroups: nothing can leak
            return []
        return [
            own / self.cgroup_parent
            for own in hierarchy.dirs.values()
            if (own / self.cgroup_parent).exists()
        ]

    def close(self) -> None:
        """Stop every server, the hub and the proxy; kill and remove what is left in cgroups."""
        try:
            if self.hub is not None and self.hub.poll() is None:
                users = self.api("GET", "/users").json()
                for user in users:
                    if user.get("servers"):
                        try:
                            self.stop_server(user["name"], timeout=30)
                        except (HubError, requests.RequestException):
                            pass
        except (requests.RequestException, ValueError):
            pass
        self.stop_hub()
        _kill_group(self.proxy)
        self.remove_cgroups()

    def remove_cgroups(self) -> None:
        """Kill every process in this hub's cgroups and remove them (the safety net)."""
        try:
            hierarchy = locate_self()
        except Exception:  # noqa: BLE001 - no cgroups: nothing to remove
            return
        for key, own in hierarchy.dirs.items():
            parent = own / self.cgroup_parent
            if not parent.is_dir():
                continue
            for folder in sorted(p for p in parent.iterdir() if p.is_dir()):
                try:
                    ServerCgroup(hierarchy.version, {key: folder}).remove(timeout=10)
                except Exception:  # noqa: BLE001 - best effort; cgroup_dirs() reports leaks
                    pass
            try:
                parent.rmdir()
            except OSError:
                pass


# --- a student -------------------------------------------------------------------------------


@dataclass
class CellRun:
    """What one executed cell produced, as a student sees it."""

    status: str  # ok, error, timeout, interrupted, kernel died, websocket closed
    outputs: list[dict[str, Any]]
    execution_count: int | None
    seconds: float
    first_png_at: float | None = None  # time.monotonic() of the first picture output
    error: str = ""


@dataclass
class NotebookRun:
    """One notebook executed cell by cell."""

    path: str
    cells_total: int
    cells_done: int = 0
    cells_error: int = 0
    seconds: float = 0.0
    kernel_start_seconds: float = 0.0
    first_png_at: float | None = None
    stopped_by_budget: bool = False
    saved: bool = False
    errors: list[str] = field(default_factory=list)
    kernel_id: str = ""


def _iso_now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _decode_binary(frame: bytes) -> dict[str, Any] | None:
    """The JSON part of a legacy binary websocket frame (messages with buffers)."""
    try:
        count = int.from_bytes(frame[:4], "big")
        offsets = [int.from_bytes(frame[4 * (i + 1) : 4 * (i + 2)], "big") for i in range(count)]
        end = offsets[1] if count > 1 else len(frame)
        return json.loads(frame[offsets[0] : end])
    except (ValueError, IndexError):
        return None


class KernelSocket:
    """The kernel websocket JupyterLab opens (the legacy JSON protocol: one JSON per frame)."""

    def __init__(self, student: Student, kernel_id: str) -> None:
        self.student, self.kernel_id = student, kernel_id
        self.session = uuid.uuid4().hex
        self.statuses: list[tuple[float, str]] = []  # (monotonic, execution_state) of the kernel
        self.ws: websocket.WebSocket | None = None

    def connect(self, timeout: float = 30.0) -> None:
        """Open the websocket with the student's cookies, as the browser does."""
        url = (
            self.student.url("api/kernels", self.kernel_id, "channels").replace("http", "ws", 1)
            + f"?session_id={self.session}"
        )
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.student.http.cookies)
        self.ws = websocket.create_connection(
            url, cookie=cookie, timeout=timeout, origin=self.student.hub_base
        )  # the handshake, with the cookies that the OAuth login set

    def close(self) -> None:
        """Close the websocket (the kernel keeps running, as when a tab closes)."""
        if self.ws is not None:
            try:
                self.ws.close()
            except (OSError, websocket.WebSocketException):
                pass
            self.ws = None

    def _send(self, msg_type: str, content: dict[str, Any], channel: str = "shell") -> str:
        msg_id = uuid.uuid4().hex
        header = {
            "msg_id": msg_id,
            "msg_type": msg_type,
            "username": self.student.name,
            "session": self.session,
            "date": _iso_now(),
            "version": "5.3",
        }
        message = {
            "header": header,
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": channel,
            "buffers": [],
        }
        assert self.ws is not None, "connect() first"
        self.ws.settimeout(30)  # receive() shortens the timeout; a send may wait on a busy host
        self.ws.send(json.dumps(message))
        return msg_id

    def receive(self, timeout: float) -> dict[str, Any] | None:
        """The next message, None after ``timeout`` seconds; kernel statuses are recorded."""
        assert self.ws is not None, "connect() first"
        self.ws.settimeout(max(0.05, timeout))
        try:
            opcode, frame = self.ws.recv_data()
        except websocket.WebSocketTimeoutException:
            return None
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            raise websocket.WebSocketConnectionClosedException("closed by the server")
        msg = _decode_binary(frame) if opcode == websocket.ABNF.OPCODE_BINARY else json.loads(frame)
        if msg and msg.get("msg_type") == "status":
            state = msg.get("content", {}).get("execution_state", "")
            if not msg.get("parent_header"):
                self.statuses.append((time.monotonic(), state))  # the server's kernel news
            elif state in ("restarting", "dead", "starting"):
                self.statuses.append((time.monotonic(), state))
        return msg

    def wait_ready(self, timeout: float) -> bool:
        """Ask for kernel_info until the kernel answers (started, or done with its cell)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg_id = self._send("kernel_info_request", {})
            ask_again = time.monotonic() + 5.0
            while time.monotonic() < min(ask_again, deadline):
                msg = self.receive(min(1.0, max(0.05, deadline - time.monotonic())))
                if (
                    msg is not None
                    and msg.get("msg_type") == "kernel_info_reply"
                    and msg.get("parent_header", {}).get("msg_id") == msg_id
                ):
                    return True
        return False

    def execute(
        self,
        code: str,
        timeout: float,
        on_output: Callable[[dict[str, Any]], None] | None = None,
    ) -> CellRun:
        """Run ``code`` and collect its outputs until the reply and the idle status arrive."""
        start = time.monotonic()
        msg_id = self._send(
            "execute_request",
            {
                "code": code,
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            },
        )
        outputs: list[dict[str, Any]] = []
        clear_pending = False
        reply, idle, first_png = None, False, None
        deadline = start + timeout
        while not (reply is not None and idle):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return CellRun("timeout", outputs, None, time.monotonic() - start, first_png)
            try:
                msg = self.receive(min(remaining, 1.0))
            except (websocket.WebSocketException, OSError) as exc:
                return CellRun(
                    "websocket closed", outputs, None, time.monotonic() - start, first_png,
                    error=str(exc),
                )  # fmt: skip
            if msg is None:
                continue
            if not msg.get("parent_header") and msg.get("msg_type") == "status":
                if msg["content"].get("execution_state") in ("restarting", "dead"):
                    state = msg["content"]["execution_state"]
                    return CellRun(
                        "kernel died", outputs, None, time.monotonic() - start, first_png,
                        error=f"kernel {state}",
                    )  # fmt: skip
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg.get("msg_type"), msg.get("content", {})
            if msg.get("channel") == "shell" and kind == "execute_reply":
                reply = content
                continue
            if kind == "status":
                idle = content.get("execution_state") == "idle"
                continue
            output = _output_of(kind, content)
            if kind == "clear_output":
                if content.get("wait"):
                    clear_pending = True
                else:
                    outputs.clear()
                continue
            if output is None:
                continue
            if clear_pending:
                outputs.clear()
                clear_pending = False
            outputs.append(output)
            if first_png is None and shows_picture(output):
                first_png = time.monotonic()
            if on_output is not None:
                on_output(output)
        status = reply.get("status", "error")
        error = ""
        if status == "error":
            error = f"{reply.get('ename', '')}: {reply.get('evalue', '')}"
        return CellRun(
            status, outputs, reply.get("execution_count"), time.monotonic() - start, first_png,
            error=error,
        )  # fmt: skip


def _output_of(kind: str | None, content: dict[str, Any]) -> dict[str, Any] | None:
    """An nbformat output from an iopub message (None for messages that are not outputs)."""
    if kind == "stream":
        return {"output_type": "stream", "name": content["name"], "text": content["text"]}
    if kind == "display_data":
        return {
            "output_type": "display_data",
            "data": content.get("data", {}),
            "metadata": content.get("metadata", {}),
        }
    if kind == "execute_result":
        return {
            "output_type": "execute_result",
            "data": content.get("data", {}),
            "metadata": content.get("metadata", {}),
            "execution_count": content.get("execution_count"),
        }
    if kind == "error":
        return {
            "output_type": "error",
            "ename": content.get("ename", ""),
            "evalue": content.get("evalue", ""),
            "traceback": content.get("traceback", []),
        }
    return None


class Student:
    """One browser: cookies, the hub's login form, JupyterLab's REST and websocket calls."""

    def __init__(self, hub: LocalHub, name: str, password: str = "any-password") -> None:
        self.hub, self.name, self.password = hub, name, password
        self.hub_base = hub.base
        self.http = requests.Session()
        self.login_started: float | None = None
        self.ready_at: float | None = None

    def url(self, *parts: str) -> str:
        """An address in the student's server, through the proxy."""
        return "/".join([f"{self.hub_base}/user/{self.name}", *(p.strip("/") for p in parts)])

    def _xsrf(self) -> dict[str, str]:
        token = self.http.cookies.get("_xsrf", path=f"/user/{self.name}/")
        return {"X-XSRFToken": token} if token else {}

    def login(self) -> None:
        """GET the login page, POST the form (starts the server, like the browser's redirect)."""
        self.login_started = time.monotonic()
        page = self.http.get(f"{self.hub_base}/hub/login", timeout=30)
        page.raise_for_status()
        match = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
        form = {"username": self.name, "password": self.password}
        if match:
            form["_xsrf"] = match.group(1)
        response = self.http.post(f"{self.hub_base}/hub/login", data=form, timeout=120)
        if response.status_code >= 400:
            raise HubError(f"login of {self.name}: HTTP {response.status_code}")

    def wait_ready(self, timeout: float = 120.0) -> float:
        """Load JupyterLab (OAuth with the hub) once the server is up; returns seconds waited."""
        start = time.monotonic()
        deadline = start + timeout
        lab = self.url("lab")
        while time.monotonic() < deadline:
            try:
                response = self.http.get(lab, timeout=30)
            except requests.RequestException:
                time.sleep(0.5)
                continue
            if response.status_code == 200 and response.url.rstrip("/") == lab:
                if "jupyter-config-data" in response.text:
                    self.ready_at = time.monotonic()
                    return self.ready_at - start
            time.sleep(0.25)
        raise HubError(f"{self.name}'s JupyterLab did not load within {timeout:.0f} s")

    def rest(self, method: str, *path: str, **kwargs: Any) -> requests.Response:
        """A Jupyter server REST call with the student's cookies (and _xsrf header)."""
        headers = {**self._xsrf(), **kwargs.pop("headers", {})}
        return self.http.request(
            method, self.url("api", *path), headers=headers, timeout=60, **kwargs
        )

    def open_notebook(self, path: str) -> tuple[dict[str, Any], str]:
        """GET the notebook, start its kernel in a session (cwd = the notebook's folder)."""
        response = self.rest("GET", "contents", path, params={"content": "1"})
        response.raise_for_status()
        notebook = response.json()["content"]
        session = self.rest(
            "POST",
            "sessions",
            json={
                "path": path,
                "name": Path(path).name,
                "type": "notebook",
                "kernel": {"name": "python3"},
            },
        )
        session.raise_for_status()
        return notebook, session.json()["kernel"]["id"]

    def save(self, path: str, notebook: dict[str, Any]) -> requests.Response:
        """PUT the notebook through the contents API, as JupyterLab's save does."""
        return self.rest(
            "PUT",
            "contents",
            path,
            json={"type": "notebook", "format": "json", "content": notebook},
        )

    def load(self, path: str) -> dict[str, Any]:
        """The saved notebook."""
        response = self.rest("GET", "contents", path, params={"content": "1"})
        response.raise_for_status()
        return response.json()["content"]

    def interrupt(self, kernel_id: str) -> int:
        """Interrupt the kernel (the stop button); returns the HTTP status."""
        return self.rest("POST", "kernels", kernel_id, "interrupt").status_code

    def kernel(self, kernel_id: str) -> requests.Response:
        """GET /api/kernels/<id>."""
        return self.rest("GET", "kernels", kernel_id)

    def run_notebook(
        self,
        path: str,
        deadline: float,
        cell_timeout: float = 600.0,
        on_png: Callable[[float], None] | None = None,
        keep_kernel: bool = True,
    ) -> NotebookRun:
        """Open ``path``, run its code cells in order until done or ``deadline`` (monotonic),
        and save it with its outputs. A cell still running at the deadline is interrupted."""
        start = time.monotonic()
        notebook, kernel_id = self.open_notebook(path)
        cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
        run = NotebookRun(path, len(cells), kernel_id=kernel_id)
        socket_ = KernelSocket(self, kernel_id)
        socket_.connect()
        try:
            if not socket_.wait_ready(max(1.0, min(120.0, deadline - time.monotonic()))):
                run.errors.append("the kernel did not answer kernel_info")
                return run
            run.kernel_start_seconds = time.monotonic() - start
            for cell in cells:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    run.stopped_by_budget = True
                    break
                result = socket_.execute(cell["source"], timeout=min(cell_timeout, remaining))
                if result.status == "timeout":
                    run.stopped_by_budget = deadline - time.monotonic() <= 0
                    self.interrupt(kernel_id)
                    socket_.wait_ready(10)  # the interrupted cell ends
                    break
                cell["outputs"] = result.outputs
                cell["execution_count"] = result.execution_count
                if result.first_png_at is not None and run.first_png_at is None:
                    run.first_png_at = result.first_png_at
                    if on_png is not None:
                        on_png(result.first_png_at)
                run.cells_done += 1
                if result.status != "ok":
                    run.cells_error += 1
                    run.errors.append(result.error or result.status)
                    if result.status in ("kernel died", "websocket closed"):
                        break
            run.seconds = time.monotonic() - start
            saved = self.save(path, notebook)
            run.saved = saved.status_code == 200
        finally:
            socket_.close()
            if not keep_kernel:
                self.rest("DELETE", "kernels", kernel_id)
        return run


def shows_picture(output: dict[str, Any]) -> bool:
    """Whether a notebook output shows a picture: an image/png, or a figure as lh.setup_notebook
    shows it (an <img class="lecture-figure"> in text/html: lecture_helpers.figures.figure_html)."""
    data = output.get("data", {})
    figure = '<img class="lecture-figure"' in "".join(data.get("text/html", ""))
    return "image/png" in data or figure


def output_digest(notebook: dict[str, Any]) -> list[int]:
    """Per code cell, the number of outputs (to compare a saved notebook with a reloaded one)."""
    return [
        len(cell.get("outputs", [])) for cell in notebook["cells"] if cell["cell_type"] == "code"
    ]


class Sampler(threading.Thread):
    """Samples each cgroup's memory.usage every ``interval`` s (the node-wide peak)."""

    def __init__(self, cgroups: Callable[[], list[ServerCgroup]], interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.cgroups, self.interval = cgroups, interval
        self.total_peak = 0
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.wait(self.interval):
            total = sum(cg.memory_current() or 0 for cg in self.cgroups())
            self.total_peak = max(self.total_peak, total)

    def stop(self) -> None:
        """End sampling."""
        self.stop_event.set()
