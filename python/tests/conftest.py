"""Starts the server the suite runs against, before Prefect is imported.

PREFECT_SUITE_TARGET picks it: `edgeflow` (default) starts Edgeflow's local server
(scripts/server.mjs) on a free port with a fresh state folder; `prefect` starts Prefect's own
server (`prefect server start`), to show the tests encode Prefect's behaviour, not ours. Either
way the run gets a temporary PREFECT_HOME, so no cached result or profile carries over.
Prefect reads its settings when it is imported, so all of this happens in pytest_configure.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEV_KEY = "edgeflow-dev-key"
TARGET = os.environ.get("PREFECT_SUITE_TARGET", "edgeflow")

_server: subprocess.Popen | None = None
_scratch: Path | None = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited while starting:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url}/health within {timeout} s:\n{log.read_text()}")


def _agent_key(url: str) -> str:
    request = urllib.request.Request(
        f"{url}/api_keys",
        data=json.dumps({"name": "prefect-suite", "scope": "agent"}).encode(),
        headers={"Authorization": f"Bearer {DEV_KEY}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["key"]


def _node() -> str:
    """The project's own Node 22 (an npm dependency), as `npm run server` would use."""
    local = ROOT / "node_modules" / ".bin" / "node"
    return str(local) if local.exists() else (os.environ.get("NODE") or "node")


def _start_edgeflow(port: int, scratch: Path, log) -> tuple[subprocess.Popen, dict[str, str]]:
    state = scratch / "state"
    template = ROOT / ".wrangler" / "e2e-template-state"
    if template.exists():
        shutil.copytree(template, state)
    env = {**os.environ, "PORT": str(port), "EDGEFLOW_PERSIST_DIR": str(state), "EDGEFLOW_LOG_LEVEL": "warn"}
    env.setdefault("WRANGLER_SEND_METRICS", "false")
    env.setdefault("DO_NOT_TRACK", "1")
    server = subprocess.Popen(
        [_node(), str(ROOT / "scripts" / "server.mjs")],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    return server, {}


def _start_prefect(port: int, scratch: Path, log) -> tuple[subprocess.Popen, dict[str, str]]:
    env = {
        **os.environ,
        "PREFECT_HOME": str(scratch / "server-home"),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{scratch / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        # A task refused a tag slot is told to wait this long (30 s by default): the tag limit test's
        # second task would sit out 30 s where Edgeflow holds its request until the slot frees.
        "PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.argv[0] = 'prefect'; from prefect.cli import app; app()",
         "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    return server, {}


def pytest_configure(config):
    global _server, _scratch
    if TARGET not in ("edgeflow", "prefect"):
        raise RuntimeError(f"PREFECT_SUITE_TARGET must be edgeflow or prefect, not {TARGET!r}")
    _scratch = Path(tempfile.mkdtemp(prefix=f"prefect-suite-{TARGET}-"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    log_path = _scratch / "server.log"
    with open(log_path, "w") as log:
        start = _start_edgeflow if TARGET == "edgeflow" else _start_prefect
        _server, client_env = start(port, _scratch, log)
    _wait_healthy(url, _server, log_path, timeout=180)
    if TARGET == "edgeflow":
        # The flows run with an agent key, as docs/prefect-compat.md tells users to: admin is not needed.
        client_env = {"PREFECT_API_KEY": _agent_key(url)}
    home = _scratch / "client-home"
    home.mkdir()
    os.environ.update(
        {
            "PREFECT_HOME": str(home),
            "PREFECT_API_URL": url,
            "PREFECT_LOCAL_STORAGE_PATH": str(home / "storage"),
            # Ours and theirs: no telemetry, and the client's retries stay short if something answers 5xx.
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_CLIENT_MAX_RETRIES": "2",
            **client_env,
        }
    )
    if "PREFECT_API_KEY" not in client_env:
        os.environ.pop("PREFECT_API_KEY", None)


def pytest_report_header(config):
    return f"Prefect client suite against: {TARGET} ({os.environ.get('PREFECT_API_URL')})"


def pytest_unconfigure(config):
    if _server is not None and _server.poll() is None:
        os.killpg(_server.pid, 15)
        try:
            _server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(_server.pid, 9)
    if _scratch is not None:
        shutil.rmtree(_scratch, ignore_errors=True)
