"""`qiandai serve` with QIANDAI_LOG_FORMAT=json: a real uvicorn process logs JSON lines; /readyz, /metrics."""

from __future__ import annotations

import json
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


def test_serve_logs_json_and_is_ready(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "QIANDAI_HOME": str(tmp_path), "QIANDAI_LOG_FORMAT": "json"}
    env.pop("QIANDAI_DATABASE_URL", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    err = (tmp_path / "stderr.log").open("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "qiandai.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=err,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, (tmp_path / "stderr.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        assert ready.status_code == 200, ready.text
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert 'qiandai_http_requests_total{method="GET",route="/readyz",status="200"}' in metrics
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        err.close()
    lines = [line for line in (tmp_path / "stderr.log").read_text().splitlines() if line.strip()]
    assert lines
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert any(e["logger"] == "uvicorn.access" and "/readyz" in e["message"] for e in entries)
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
