"""通报/曝光 in the browser: the leader signs the demo's draft circular, it appears on the public 曝光台
(phone width, no login); a reviewer drafts another one from decided cases (PDF made), which stays
off the public page until signed; institution users get 403."""

from __future__ import annotations

import re
from typing import Any

from web_helpers import shot
from yb_console_helpers import assert_chinese_headers, flash, submit, xlsx_rows


def test_draft_is_signed_and_published(page_as: Any) -> None:
    leader = page_as("leader")
    leader.goto("/yb/circulars?state=draft")
    draft = leader.locator("#circulars tbody a").first
    title = draft.inner_text()
    with leader.expect_navigation():
        draft.click()
    circular_url = leader.url
    assert leader.locator("a[href^='/yb/documents/']").count() == 1
    public = page_as(None, phone=True)
    assert public.goto(circular_url.replace("/yb/circulars", "/exposure")).status == 404
    submit(leader, leader.locator("form[action$='/publish']"))
    assert "已在曝光台公开" in flash(leader)
    shot(leader, "yb-circular")
    public.goto("/exposure")
    assert title in public.locator("main").inner_text()
    assert public.evaluate("document.documentElement.scrollWidth") <= 390
    shot(public, "public-exposure")
    assert_chinese_headers(xlsx_rows(leader, "/yb/circulars.xlsx"))
    leader.goto(circular_url + "/print")
    assert title in leader.locator("h1").inner_text()


def test_reviewer_drafts_a_circular_that_stays_internal(page_as: Any) -> None:
    reviewer = page_as("reviewer")
    reviewer.goto("/yb/circulars")
    form = reviewer.locator("#draft form")
    form.locator("input[name=title]").fill("浏览器测试通报")
    form.locator("input[name=case_ids]").first.check()
    submit(reviewer, form, "button[type=submit]")
    assert "待领导签发" in flash(reviewer)
    assert reviewer.locator("form[action$='/publish']").count() == 0  # only a leader signs
    circular_id = re.search(r"/yb/circulars/(\d+)$", reviewer.url).group(1)  # type: ignore[union-attr]
    public = page_as(None)
    assert public.goto(f"/exposure/{circular_id}").status == 404
    public.goto("/exposure")
    assert "浏览器测试通报" not in public.locator("main").inner_text()


def test_circulars_are_closed_to_institutions(page_as: Any) -> None:
    inst = page_as("inst_b")
    for url in ("/yb/circulars", "/yb/circulars.xlsx", "/yb/circulars/1", "/yb/circulars/1/print"):
        assert inst.goto(url).status == 403, url
