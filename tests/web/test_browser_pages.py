"""Every main page renders in the browser without script errors; screenshots are saved for review."""

from __future__ import annotations

from typing import Any

import pytest
from web_helpers import shot

PAGES = [
    ("reviewer", "/yb/cases", "案件办理", "cases"),
    ("reviewer", "/yb/rectifications", "问题整改台账", "rectifications"),
    ("reviewer", "/yb/draws", "双随机", "draws"),
    ("auditor", "/yb/runs", "智能审核批次", "runs"),
    ("auditor", "/yb/kb?q=阿帕他胺", "医保知识库", "kb-search"),
    ("reviewer", "/yb/institutions", "定点医药机构", "institutions"),
    ("intake", "/yb/reports", "举报受理", "reports"),
    ("police", "/fz/lists", "名单管理", "fz-lists"),
    ("police", "/fz/scenarios?version=1", "转账风控场景", "fz-scenarios"),
]


@pytest.mark.parametrize(("user", "path", "heading", "name"), PAGES)
def test_main_page_renders(page_as: Any, user: str, path: str, heading: str, name: str) -> None:
    page = page_as(user)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path)
    assert heading in page.locator("h1").first.inner_text()
    shot(page, f"page-{name}")
    assert not errors
    if name == "kb-search":
        assert page.locator(".kb-point").count() >= 1
        assert "适用审核规则" in page.locator(".kb-point").first.inner_text()


def test_case_page_timeline_documents_and_print(page_as: Any) -> None:
    page = page_as("reviewer")
    page.goto("/yb/cases")
    page.locator("table.grid tbody a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#timeline li").count() >= 3
    assert page.locator("a[href^='/yb/documents/']").count() >= 1
    shot(page, "page-case")
    page.goto(page.url + "/print")
    assert "案件办理情况表" in page.locator("h1").inner_text()
    shot(page, "print-case")


def test_institution_profile_and_published_draw(page_as: Any) -> None:
    page = page_as("leader")
    page.goto("/yb/institutions")
    page.locator("table.grid tbody a").first.click()
    page.wait_for_load_state("networkidle")
    assert "信用评价" in page.locator("#credit").inner_text()
    shot(page, "page-institution")
    page.goto("/yb/draws")
    page.locator("table.grid tbody a").first.click()
    page.wait_for_load_state("networkidle")
    assert "公示名单" in page.locator("body").inner_text()
    assert page.locator("#draw-list tbody tr").count() >= 1
    shot(page, "page-draw")
    page.goto(page.url + "/print")
    shot(page, "print-draw")
