"""The SIM-card screening page in a real browser: a carrier's security officer (antifraud role) sees the
latest run with numbers ranked by risk, masked, with reasons; filters by level; exports xlsx with
Chinese headers. A bank teller is refused. Runs its own seeded server (see sim_web_seed.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import pytest

HERE = Path(__file__).parent
CHROMIUM = os.environ.get("QIANDAI_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = HERE.parent / "web" / "artifacts"
PASSWORD = "qiandai-demo-2025"


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "QIANDAI_HOME": str(home),
        "QIANDAI_DATABASE_URL": f"sqlite:///{home / 'qiandai.db'}",
        "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent.parent / "src")]),
        "QIANDAI_RATE_LOGIN": "10000/60",
    }


@pytest.fixture(scope="module")
def sim_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    pytest.importorskip("playwright.sync_api")
    home = tmp_path_factory.mktemp("sim-web")
    subprocess.run(
        [sys.executable, str(HERE / "sim_web_seed.py"), str(home)], env=_env(home), check=True, timeout=300
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    log = (home / "server.log").open("wb")
    cmd = [sys.executable, "-m", "uvicorn", "qiandai.api.app:create_app", "--factory", "--host", "127.0.0.1"]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port), "--log-level", "warning"],
        env=_env(home),
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
                    raise RuntimeError((home / "server.log").read_text(errors="replace")) from None
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser(chromium: Any) -> Any:
    """The process's shared Chromium (see ``chromium`` in tests/conftest.py)."""
    return chromium


def _login(browser: Any, base: str, username: str) -> Any:
    context = browser.new_context(
        base_url=base, viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def test_carrier_sees_ranked_masked_numbers_and_exports(sim_server: str, browser: Any) -> None:
    page = _login(browser, sim_server, "carrier")
    page.goto("/")
    assert page.locator("nav a[href='/sim']").count() >= 1 or "涉诈电话卡" in page.content()
    page.goto("/sim")
    assert "高风险" in page.locator("#sim-stats").inner_text()
    rows = page.locator("#sim-results tbody tr")
    assert rows.count() >= 50
    first = rows.first.inner_text()
    assert "高" in first and "****" in first
    assert "：" in first or "=" in first  # reasons: rules fired and/or model features
    content = page.content()
    assert not __import__("re").search(r"1[3-9]\d{9}", content)  # no whole phone number anywhere
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sim-screening.png"), full_page=False)
    page.select_option("#sim-filter select[name=level]", "中")
    page.click("#sim-filter button")
    page.wait_for_load_state("networkidle")
    levels = page.locator("#sim-results tbody tr td:nth-child(3)").all_inner_texts()
    assert levels and set(levels) == {"中"}
    with page.expect_download() as info:
        page.click("#sim-export")
    data = Path(info.value.path()).read_bytes()
    import openpyxl

    sheet = openpyxl.load_workbook(BytesIO(data)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["排名", "号码（脱敏）", "风险等级", "风险分"]
    values = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values and set(values) == {"中"}
    assert all("****" in str(row[1]) for row in sheet.iter_rows(min_row=2, values_only=True))


def test_bank_teller_is_refused(sim_server: str, browser: Any) -> None:
    page = _login(browser, sim_server, "bank")
    response = page.goto("/sim")
    assert response is not None and response.status == 403
    assert page.locator("nav a[href='/sim']").count() == 0
