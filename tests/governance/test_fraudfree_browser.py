"""The governance statistics console in Chromium (Playwright, Debian's /usr/bin/chromium): a county
user reads the case statistics (table and chart), builds the fraud-free draft and rejects one unit
with a note, reveals a person's identity with a reason (htmx), and downloads the weekly circular PDF;
a township user's menu and tables hold only their township. Skipped where Chromium or Playwright is
absent. Screenshots go to ``$TMPDIR/qiandai-gov-screenshots/``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from stats_county import county_factory

from qiandai.governance.demo_stats import seed_demo_stats
from qiandai.governance.units import assign_user
from qiandai.identity import service
from qiandai.store.database import unit_of_work
from qiandai.store.migrate import upgrade

CHROMIUM = os.environ.get("QIANDAI_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "secret-pass-2025"
ARTIFACTS = Path(tempfile.gettempdir()) / "qiandai-gov-screenshots"  # looked at by a person, not committed
TODAY = date.today()


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    pytest.importorskip("playwright.sync_api")
    folder = tmp_path_factory.mktemp("gov-web")
    url = f"sqlite:///{folder / 'qiandai.db'}"
    upgrade(url)
    factory = county_factory(url)
    seed_demo_stats(factory, TODAY)
    with unit_of_work(factory) as s:
        service.create_user(
            s, username="county", password=PASSWORD, display_name="县反诈办", roles="governance"
        )
        service.create_user(
            s, username="xishan", password=PASSWORD, display_name="西山乡反诈办", roles="governance"
        )
        assign_user(s, "county", "C01")
        assign_user(s, "xishan", "T02")
    port = _port()
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "QIANDAI_DATABASE_URL": url, "PYTHONPATH": src, "QIANDAI_RATE_LOGIN": "10000/60"}
    log = (folder / "server.log").open("wb")
    cmd = [sys.executable, "-m", "uvicorn", "qiandai.api.app:create_app", "--factory", "--port", str(port)]
    proc = subprocess.Popen(
        [*cmd, "--host", "127.0.0.1", "--log-level", "warning"], env=env, stdout=log, stderr=subprocess.STDOUT
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
                    raise RuntimeError((folder / "server.log").read_text(errors="replace")) from None
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser(chromium: Any, server: str) -> Any:
    """The process's shared Chromium (see ``chromium`` in tests/conftest.py)."""
    return chromium


def _page(browser: Any, server: str, username: str) -> Any:
    context = browser.new_context(
        base_url=server, viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True
    )
    context.set_default_timeout(20000)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_county_user_works_through_the_pages(browser: Any, server: str) -> None:
    page = _page(browser, server, "county")
    assert page.locator("nav", has_text="反诈治理").count() >= 1 or "反诈治理" in page.content()
    page.goto("/gov/cases")
    assert page.locator("#cases-by-unit tbody tr").count() == 14
    page.wait_for_function("() => document.querySelectorAll('.chart canvas').length >= 1", timeout=20000)
    _shot(page, "gov-cases")
    page.goto(f"/gov/fraudfree?year={TODAY.year}")
    page.click("#build-draft")
    page.wait_for_load_state("networkidle")
    assert "已生成" in page.locator("#flash").inner_text()
    row = page.locator("#evaluations tr[data-unit='H01']")
    row.locator("input[name=note]").fill("年内宣传记录待补")
    row.locator("button[data-action=reject]").click()
    page.wait_for_load_state("networkidle")
    assert "审核不通过" in page.locator("#evaluations tr[data-unit='H01']").inner_text()
    _shot(page, "gov-fraudfree")
    page.goto("/gov/persons")
    page.locator("#persons tbody a").first.click()
    page.wait_for_load_state("networkidle")
    masked = page.locator("#identity").inner_text()
    assert "*" in masked
    page.fill("#identity input[name=reason]", "核查身份")
    page.click("#identity button")
    page.wait_for_selector("#identity .revealed")
    assert "*" not in page.locator("#identity").inner_text()
    page.goto("/gov/reports")
    form = page.locator("#week-form")
    form.locator("select[name=fmt]").select_option("pdf")
    with page.expect_download() as info:
        form.locator("button").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf") and "周通报" in download.suggested_filename
    assert Path(download.path()).read_bytes().startswith(b"%PDF")


def test_township_user_sees_only_their_township(browser: Any, server: str) -> None:
    page = _page(browser, server, "xishan")
    page.goto("/gov/cases")
    names = page.locator("#cases-by-unit tbody tr td:first-child").all_inner_texts()
    assert [n.strip() for n in names] == ["西山乡", "西山乡石门村", "西山乡桃园村"]  # hierarchy order
    page.goto("/gov/publicity")
    assert "东城镇" not in page.locator("#coverage").inner_text()
    _shot(page, "gov-publicity-township")
