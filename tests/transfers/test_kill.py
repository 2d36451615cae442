"""A crash between committing a hold and acknowledging it loses nothing (the process is SIGKILLed)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy.orm import Session, sessionmaker
from tx_helpers import PASSWORD, add_personas, payload

HERE = Path(__file__).resolve().parent
NOW = datetime.now(UTC).replace(microsecond=0)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(url: str, port: int, crash: bool) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "QIANDAI_DATABASE_URL": url, "PYTHONPATH": str(HERE)}
    if crash:
        env["QIANDAI_TEST_CRASH_AFTER_HOLD_COMMIT"] = "1"
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "kill_app:make",
        "--factory",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=HERE)
    try:
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)


def test_hold_survives_sigkill_after_commit(database_url: str, factory: sessionmaker[Session]) -> None:
    add_personas(factory)
    port = _port()
    base = f"http://127.0.0.1:{port}"
    hold = {
        "instruction_id": "KILL-1",
        "type": "stop_payment",
        "issuing_unit": "杭州市公安局反诈中心",
        "document_ref": "杭公反诈止〔2025〕9号",
        "issued_at": NOW.isoformat(),
        "account": "6222020200001111",
    }
    with server(database_url, port, crash=True) as proc:
        login = httpx.post(f"{base}/api/auth/login", json={"username": "officer", "password": PASSWORD})
        police = {"Authorization": f"Bearer {login.json()['access_token']}"}
        try:
            httpx.post(f"{base}/api/transfers/holds", json=hold, headers=police, timeout=30)
            raise AssertionError("the server answered although it should have been killed")
        except httpx.HTTPError:
            pass
        assert proc.wait(timeout=20) == -signal.SIGKILL
    with server(database_url, port, crash=False):
        again = httpx.post(f"{base}/api/transfers/holds", json=hold, headers=police, timeout=30)
        assert again.status_code == 200 and again.json()["duplicate"] is True
        login = httpx.post(f"{base}/api/auth/login", json={"username": "teller", "password": PASSWORD})
        bank = {"Authorization": f"Bearer {login.json()['access_token']}"}
        d = httpx.post(
            f"{base}/api/transfers/decide", json=payload(occurred_at=NOW.isoformat()), headers=bank
        )
        assert d.json()["decision"] == "拦截"
