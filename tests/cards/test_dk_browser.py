"""Card-crackdown pages in a real browser: screening results with grades, reasons and the network view;
the punishment list with an appeal decided; the account-opening check form (Chromium via Playwright)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cards_helpers import valid_id

HERE = Path(__file__).parent
CHROMIUM = os.environ.get("QIANDAI_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "qiandai-demo-2025"
ARTIFACTS = HERE.parent / "web" / "artifacts"


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "QIANDAI_HOME": str(home),
        "QIANDAI_DATABASE_URL": f"sqlite:///{home / 'qiandai.db'}",
        "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent.parent / "src")]),
        "QIANDAI_RATE_LOGIN": "10000/60",
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("dk-web")
    subprocess.run([sys.executable, str(HERE / "dk_web_seed.py")], env=_env(home), check=True, timeout=300)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "qiandai.api.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        env=_env(home), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
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


def _login(browser: Any, server: str, username: str) -> Any:
    context = browser.new_context(base_url=server, viewport={"width": 1440, "height": 900}, locale="zh-CN")
    context.set_default_timeout(20000)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_screening_results_and_network_view(browser: Any, server: str) -> None:
    page = _login(browser, server, "police")
    page.click("nav >> text=涉诈账户")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/dk/accounts")
    first = page.locator("#accounts tbody tr").first
    assert "高" in first.inner_text() and "快进快出" in first.inner_text()
    assert first.locator(".masked").inner_text().startswith("****")
    assert page.locator("#networks details").count() >= 1
    assert "内部流转" in page.locator("#networks summary").first.inner_text()
    _shot(page, "dk-accounts")
    page.check("#run-form input[name=publish]")
    page.click("#run-form button")
    page.wait_for_load_state("networkidle")
    assert "筛查完成" in page.locator("#flash").inner_text()
    page.context.close()


def test_punishment_list_with_an_appeal_decided(browser: Any, server: str) -> None:
    page = _login(browser, server, "police")
    page.goto("/dk/punish")
    assert page.locator("#persons tbody tr").count() == 3
    assert "申诉待处理" in page.locator("#persons").inner_text()
    new_id = valid_id("32010219800101123")
    form = page.locator("#designate-form")
    form.locator("input[name=id_number]").fill(new_id)
    form.locator("input[name=name]").fill("周某某")
    form.locator("select[name=basis]").select_option("convicted")
    form.locator("input[name=document_ref]").fill("(2025)苏0102刑初9号")
    form.locator("textarea[name=accounts]").fill("6222600000009999")
    form.locator("button").click()
    page.wait_for_load_state("networkidle")
    assert "已列入惩戒名单" in page.locator("#flash").inner_text()
    assert new_id not in page.content() and "9999" in page.locator("#person").inner_text()
    page.goto("/dk/punish")
    row = page.locator("#persons tbody tr", has_text="申诉待处理").first
    row.locator("a").click()
    page.wait_for_load_state("networkidle")
    decide = page.locator(".decide-form").first
    decide.locator("select[name=outcome]").select_option("upheld")
    decide.locator("input[name=note]").fill("经核查系他人冒用身份开户")
    decide.locator("button").click()
    page.wait_for_load_state("networkidle")
    assert "申诉成立" in page.locator("#flash").inner_text()
    assert page.locator("#person-status").inner_text() == "申诉撤销"
    assert "申诉处理" in page.locator(".timeline").inner_text()
    _shot(page, "dk-punish-appeal")
    page.context.close()


def test_account_opening_form(browser: Any, server: str) -> None:
    page = _login(browser, server, "bank")
    page.goto("/dk/opening")
    form = page.locator("#opening-form")
    form.locator("input[name=id_number]").fill(valid_id("44030519950721345"))  # a punished demo person
    form.locator("input[name=name]").fill("黄某某")
    form.locator("input[name=phone]").fill("13900005678")
    form.locator("input[name=bank]").fill("农业银行")
    form.locator("input[name=purpose]").fill("日常消费")
    form.locator("button").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#outcome").inner_text() == "拒绝"
    assert "惩戒期内不得新开账户" in page.locator("#result").inner_text()
    assert "13900005678" not in page.content()
    _shot(page, "dk-opening")
    assert page.goto("/dk/punish").status == 200  # banks see the list
    assert page.goto("/dk/accounts").status == 200
    page.context.close()
