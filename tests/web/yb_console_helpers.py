"""Helpers of the 医保 console browser tests (test_web_yb_*.py): xlsx exports fetched in the browser's
session, and a clicked form submission that waits for the redirected page."""

from __future__ import annotations

import io
import re
from typing import Any

from openpyxl import load_workbook

CJK = re.compile(r"[\u4e00-\u9fff]")


def xlsx_rows(page: Any, url: str) -> list[list[Any]]:
    """Download ``url`` with the page's cookies; every row of the first sheet (headers first)."""
    response = page.request.get(url)
    assert response.status == 200, (url, response.status)
    assert "spreadsheetml" in response.headers["content-type"]
    book = load_workbook(io.BytesIO(response.body()), read_only=True)
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def assert_chinese_headers(rows: list[list[Any]]) -> None:
    assert rows, "empty workbook"
    assert all(isinstance(h, str) and CJK.search(h) for h in rows[0]), rows[0]


def submit(page: Any, form: Any, button: str = "button") -> None:
    """Click ``button`` inside ``form`` (accepting a confirm dialog) and wait for the next page."""
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        form.locator(button).first.click()
    page.wait_for_load_state("networkidle")


def flash(page: Any) -> str:
    return str(page.locator("#flash").inner_text())
