"""An auditor and a reviewer take a suspect point from 初审 to 待立案处理 in the browser; bulk and
keyboard review in the queue; the masked insured-person number is shown only by an explicit action."""

from __future__ import annotations

import re
from typing import Any

from web_helpers import shot


def _first_point(page: Any) -> str:
    page.goto("/yb/review?stage=first_review")
    href = page.locator("#queue-table tbody tr[data-row] a").first.get_attribute("href")
    assert href and re.fullmatch(r"/yb/findings/\d+", href)
    return href


def _act(page: Any, action: str, reason: str = "", amount: str | None = None) -> None:
    form = page.locator(f"form:has(button[data-action={action}])")
    if reason:
        form.locator("input[name=reason]").fill(reason)
    if amount is not None:
        form.locator("input[name=confirmed_amount]").fill(amount)
    page.once("dialog", lambda d: d.accept())
    form.locator(f"button[data-action={action}]").click()
    page.wait_for_load_state("networkidle")


def test_review_a_point_to_a_decision(page_as: Any) -> None:
    auditor = page_as("auditor")
    href = _first_point(auditor)
    auditor.goto(href)
    assert auditor.locator("#evidence").inner_text().strip()
    assert auditor.locator("#fee-lines tbody tr").count() >= 1
    assert auditor.locator("#fee-lines .badge", has_text="涉及").count() >= 1
    shot(auditor, "finding-detail")
    _act(auditor, "pass", "单据齐全，转复审")
    assert "已执行「初审通过」" in auditor.locator("#flash").inner_text()

    reviewer = page_as("reviewer")
    reviewer.goto(href)
    _act(reviewer, "confirm", "复审确认")
    _act(reviewer, "reject_appeal", "机构未在期限内说明")
    auditor.goto(href)
    _act(auditor, "conclude", amount="10.00")
    assert "待立案处理" in auditor.locator(".page-head").inner_text()
    timeline = auditor.locator(".timeline").inner_text()
    for step in ("初审通过", "复审确认", "不予采纳", "调查确认违规金额"):
        assert step in timeline
    shot(auditor, "finding-decided")


def test_bulk_pass_from_the_queue_with_the_keyboard(page_as: Any) -> None:
    page = page_as("auditor")
    page.goto("/yb/review?stage=first_review")
    before = int(re.search(r"共 (\d+) 个疑点", page.locator(".count").first.inner_text()).group(1))  # type: ignore[union-attr]
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("p")
    assert page.locator("#bulk-action").input_value() == "pass"
    assert page.locator("#queue-table tbody input[type=checkbox]:checked").count() == 2
    shot(page, "review-queue", full_page=False)
    page.locator("#bulk-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "已对 2 个疑点执行「初审通过」" in page.locator("#flash").inner_text()
    after = int(re.search(r"共 (\d+) 个疑点", page.locator(".count").first.inner_text()).group(1))  # type: ignore[union-attr]
    assert after == before - 2


def test_show_the_insured_person_number_needs_a_reason(page_as: Any) -> None:
    page = page_as("reviewer")
    page.goto(_first_point(page))
    masked = page.locator("#psn .masked").inner_text()
    assert "*" in masked
    page.fill("#psn input[name=reason]", "核对参保身份")
    page.click("#psn button")
    page.wait_for_selector("#psn .revealed")
    assert "*" not in page.locator("#psn .revealed").inner_text()
    assert "已记录查看日志" in page.locator("#psn").inner_text()
