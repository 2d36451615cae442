"""Every persona logs in and lands on a page of their role; the menu shows only their pages."""

from __future__ import annotations

from typing import Any

import pytest
from web_helpers import shot, wait_charts

# persona → (landing path, a heading on it, menu entries that must show, entries that must not)
PERSONAS = {
    "admin": ("/yb", "医保基金监管概览", ["审核批次", "实时看板"], []),
    "auditor": ("/yb", "医保基金监管概览", ["疑点审核", "审核批次"], ["实时看板"]),
    "reviewer": ("/yb", "医保基金监管概览", ["双随机抽查"], ["举报受理"]),
    "leader": ("/yb", "医保基金监管概览", ["案件办理", "预警劝阻"], ["名单管理"]),
    "intake": ("/yb/reports", "举报受理", ["举报受理"], ["疑点审核", "案件办理"]),
    "expert": ("/yb/review", "疑点审核", ["双随机抽查"], ["案件办理"]),
    "inst_a": ("/yb", "医保基金监管概览", ["整改台账"], ["审核批次", "举报受理", "双随机抽查"]),
    "police": ("/fz", "反电诈实时看板", ["止付冻结", "名单管理"], ["疑点审核"]),
    "bank": ("/fz", "反电诈实时看板", ["止付冻结"], ["名单管理", "疑点审核"]),
    "grid": ("/fz/warnings", "预警劝阻", ["预警劝阻"], ["止付冻结", "疑点审核"]),
}


@pytest.mark.parametrize("username", list(PERSONAS))
def test_persona_lands_on_their_page(page_as: Any, username: str) -> None:
    path, heading, shown, hidden = PERSONAS[username]
    page = page_as(username, phone=username == "grid")
    assert page.url.endswith(path), page.url
    assert page.locator("h1").first.inner_text().startswith(heading)
    nav = page.locator("nav.sidenav").inner_text()
    for label in shown:
        assert label in nav
    for label in hidden:
        assert label not in nav
    if path == "/yb":
        wait_charts(page, 4)
    shot(page, f"landing-{username}")


def test_login_rejects_a_wrong_password(page_as: Any) -> None:
    page = page_as(None)
    page.goto("/login")
    page.fill("input[name=username]", "auditor")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.locator(".flash.error").inner_text()
    page.goto("/yb/review")
    assert "/login" in page.url
