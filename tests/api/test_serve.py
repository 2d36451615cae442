"""`qiandai serve` really serves the API on loopback (a real uvicorn process)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_health_and_openapi(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "QIANDAI_HOME": str(tmp_path)}
    env.pop("QIANDAI_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "qiandai.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        assert response.json() == {"status": "ok"}
        spec = httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=5).json()
        assert spec["info"]["title"] == "钱袋 Qiandai API"
        assert (tmp_path / "qiandai.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
