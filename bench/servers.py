"""`streamlit run` processes for the browser tier and the benchmarks: one per call, on a free
loopback port, over the database named by URL, with a log file to read when it misbehaves."""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COOKIE_KEY = "browser-tier-cookie-key-0123456789-abcdefghij"  # loopback test servers only


@dataclasses.dataclass
class Server:
    """One `streamlit run` process; its log is kept where the caller asked."""

    base: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_url: str, log: Path, *, timeout: float = 60, env: dict[str, str] | None = None) -> Server:
    """Start the app and wait until it answers its health check; RuntimeError with the log if not.

    The links it puts in e-mails lead to itself (PLP_BASE_URL); `env` adds settings (PLP_SMTP_URL).
    """
    port = free_port()
    env = dict(os.environ, PLP_DATABASE_URL=db_url, PLP_COOKIE_KEY=COOKIE_KEY, PLP_BASE_URL=f"http://127.0.0.1:{port}",
               **(env or {}))
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{server.base}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"streamlit did not become healthy:\n{log.read_text()}")
