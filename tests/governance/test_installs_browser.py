"""The install-campaign console in Chromium (Playwright, Debian's /usr/bin/chromium): a village secretary
on a phone sees their village's rate, ranking chart and tables, uploads a roster and reads the problem
rows; the county's staff record a spot-check result. Data: ``seed_demo_units_installs``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from gov_install_helpers import person
from openpyxl import Workbook

from qiandai.governance.demo_units import PASSWORD, seed_demo_units_installs
from qiandai.store.database import make_engine, session_factory
from qiandai.store.migrate import upgrade

CHROMIUM = os.environ.get("QIANDAI_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("gov-web")
    url = f"sqlite:///{home / 'qiandai.db'}"
    upgrade(url)
    # seed with the server's home: identities are encrypted with $QIANDAI_HOME/secret.key
    old_home = os.environ["QIANDAI_HOME"]
    os.environ["QIANDAI_HOME"] = str(home)
    try:
        engine = make_engine(url)
        seed_demo_units_installs(session_factory(engine))
        engine.dispose()
    finally:
        os.environ["QIANDAI_HOME"] = old_home
    env = {
        **os.environ,
        "QIANDAI_HOME": str(home),
        "QIANDAI_DATABASE_URL": url,
        "QIANDAI_RATE_LOGIN": "10000/60",
    }
    port = _free_port()
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "qiandai.api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
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


def _page(browser: Any, server: str, username: str, *, phone: bool = False) -> Any:
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(
        base_url=server, viewport=viewport, locale="zh-CN", is_mobile=phone, has_touch=phone
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def _roster(path: Path) -> None:
    day = date.today() - timedelta(days=1)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["柳树村花名册"])
    ws.merge_cells("A1:E1")
    ws.append(["姓名", "身份证号", "手机号", "所属单位", "安装日期"])
    a, b = person(81001), person(81002)
    ws.append([a[0], a[1], a[2], "东城镇柳树村", day.isoformat()])
    ws.append([b[0], "3.30102E+17", b[2], "东城镇柳树村", day.isoformat()])
    ws.append([None, None, None, None, None])
    ws.append([b[0], b[1], "139 1234", "西山乡石门村", day.isoformat()])
    wb.save(path)


def test_village_secretary_on_a_phone(browser: Any, server: str, tmp_path: Path) -> None:
    page = _page(browser, server, "gov_village", phone=True)
    page.goto("/gov/installs")
    page.wait_for_function(
        "n => document.querySelectorAll('.chart.ready canvas').length >= n", arg=1, timeout=20000
    )
    ranking = page.locator("#ranking-table tbody tr")
    assert ranking.count() == 1 and "东城镇柳树村" in ranking.first.inner_text()
    assert "西山乡" not in page.content()
    # phone width: the page itself does not scroll sideways (tables scroll inside their wrapper)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.goto("/gov/installs/rosters")
    path = tmp_path / "柳树村花名册.xlsx"
    _roster(path)
    page.set_input_files("#roster-upload input[type=file]", str(path))
    with page.expect_navigation():
        page.click("#roster-upload button")
    assert page.locator("#accepted").inner_text() == "1"
    assert page.locator("#rejected").inner_text() == "2"
    problems = page.locator("#problems-table tbody").inner_text()
    assert "科学计数法" in problems and "不属于上传单位" in problems and "手机号无效" in problems
    assert person(81001)[1] not in page.content()  # never a full ID number on a page
    assert page.goto("/gov/units").status == 200
    assert page.locator("#units-tree tbody tr").count() == 1


def test_county_records_a_spot_check(browser: Any, server: str) -> None:
    page = _page(browser, server, "gov_county")
    page.goto("/gov/installs/spotchecks?unit=V0101")
    rows = page.locator("#checks tbody tr")
    assert rows.count() == 10
    pending = page.locator("#checks tbody tr", has_text="待抽查").first
    pending.locator("select[name=result]").select_option("号码错误")
    with page.expect_navigation():
        pending.locator("form.record button").click()
    assert page.locator("#checks tbody tr", has_text="待抽查").count() == 0
    fals = page.locator("#falsification-table tbody tr", has_text="东城镇柳树村").inner_text()
    # demo: 6 installed, 1 not installed, 1 unreachable, 1 wrong number; now one more wrong number
    assert "33.3%" in fals  # (1 + 2) / (6 + 1 + 2)
    # the caller needs the whole number: revealed on request, logged
    with page.expect_navigation():
        page.locator("#checks tbody tr").first.locator("form.reveal button").click()
    phone = page.locator("#reveal-phone").inner_text()
    assert len(phone) == 11 and phone.isdigit() and "*" not in page.locator("#reveal-name").inner_text()
