"""Fixtures of the web tests: one seeded home and one real server per session, Chromium via Playwright.

The server is ``uvicorn webapp:app`` in a subprocess on a free loopback port, with QIANDAI_HOME and
QIANDAI_DATABASE_URL pointing at a temporary folder seeded by ``seed.py`` (built once per session).
Browser tests drive Debian's Chromium (``/usr/bin/chromium``; no browser download) and are skipped
where it or the Playwright package is absent. Screenshots go to ``tests/web/artifacts/``
(overwritten on each run).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

HERE = Path(__file__).parent
PASSWORD = "qiandai-demo-2025"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    src = str(HERE.parent.parent / "src")
    return {
        **os.environ,
        "QIANDAI_HOME": str(home),
        "QIANDAI_DATABASE_URL": f"sqlite:///{home / 'qiandai.db'}",
        "PYTHONPATH": os.pathsep.join([str(HERE), src]),
        # every test logs in from 127.0.0.1: lift the login limit (test_security checks the limiter)
        "QIANDAI_RATE_LOGIN": "10000/60",
    }


@pytest.fixture(scope="session")
def seeded_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A QIANDAI_HOME with the demo data (claims audit + a month of supervision work + personas)."""
    home = tmp_path_factory.mktemp("web-home")
    subprocess.run(
        [sys.executable, str(HERE / "seed.py"), str(home)], env=_env(home), check=True, timeout=600
    )
    return home


@pytest.fixture(scope="session")
def server(seeded_home: Path) -> Iterator[str]:
    """Base URL of a real uvicorn serving the API and the web console on loopback."""
    port = _free_port()
    log = (seeded_home / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "webapp:app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=_env(seeded_home),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((seeded_home / "server.log").read_text(errors="replace")) from None
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def browser(chromium: Any) -> Any:
    """The process's shared Chromium (see ``chromium`` in tests/conftest.py)."""
    return chromium


@pytest.fixture
def page_as(browser: Any, server: str) -> Iterator[Callable[..., Any]]:
    """``page_as("auditor")``: a fresh browser context logged in as that persona (None: anonymous)."""
    contexts: list[Any] = []

    def open_page(username: str | None, *, phone: bool = False) -> Any:
        viewport = {"width": 390, "height": 844} if phone else {"width": 1440, "height": 900}
        context = browser.new_context(
            base_url=server,
            viewport=viewport,
            locale="zh-CN",
            device_scale_factor=1,
            is_mobile=phone,
            has_touch=phone,
        )
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        if username:
            page.goto("/login")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
        return page

    yield open_page
    for context in contexts:
        context.close()
