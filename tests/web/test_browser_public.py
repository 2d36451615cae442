"""A member of the public reports on a phone-width screen and checks the status with the receipt code."""

from __future__ import annotations

from typing import Any

from web_helpers import shot


def test_whistleblower_reports_and_checks_status(page_as: Any) -> None:
    page = page_as(None, phone=True)
    page.goto("/report")
    shot(page, "public-report-form")
    page.fill("input[name=subject]", "挂床住院")
    page.fill("textarea[name=content]", "某医院病房白天无人，疑似挂床住院骗取医保基金。")
    page.fill("input[name=region]", "330106")
    page.click("button[type=submit]")
    code = page.locator("#receipt-code").inner_text().strip()
    assert code.startswith("JB") and len(code) == 14
    assert code not in page.url
    shot(page, "public-report-receipt")
    page.goto("/report/status")
    page.fill("input[name=receipt_code]", code)
    page.click("button[type=submit]")
    assert "已接收，待受理" in page.locator("#report-status").inner_text()
    assert code not in page.url
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the public page must not scroll sideways on a phone"
    shot(page, "public-report-status")
