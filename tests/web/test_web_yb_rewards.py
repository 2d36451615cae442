"""举报奖励 in the browser: the leader approves the demo's pending reward, the intake clerk pays it with
a voucher, the printable approval form and the xlsx export; an institution user gets 403."""

from __future__ import annotations

from typing import Any

from web_helpers import shot
from yb_console_helpers import assert_chinese_headers, flash, submit, xlsx_rows


def test_reward_is_approved_and_paid(page_as: Any) -> None:
    leader = page_as("leader")
    leader.goto("/yb/rewards?status=proposed")
    pending = leader.locator("#rewards form[action$='/approve']")
    assert pending.count() >= 1, "the demo leaves a reward pending approval"
    row_id = pending.first.locator("xpath=ancestor::tr").get_attribute("id")
    shot(leader, "yb-rewards-pending")
    submit(leader, pending.first)
    assert "已审批举报" in flash(leader)
    leader.goto("/yb/rewards")
    assert "已审批，待发放" in leader.locator(f"#{row_id}").inner_text()
    assert leader.locator(f"#{row_id} form[action$='/pay']").count() == 0  # paying is the intake's job

    intake = page_as("intake")
    intake.goto("/yb/rewards")
    pay = intake.locator(f"#{row_id} form[action$='/pay']")
    pay.locator("input[name=reference]").fill("JL-TEST-0002")
    submit(intake, pay)
    assert "已登记发放" in flash(intake)
    assert "已发放" in intake.locator(f"#{row_id}").inner_text()
    rows = xlsx_rows(intake, "/yb/rewards.xlsx")
    assert_chinese_headers(rows)
    assert "JL-TEST-0002" in [r[-1] for r in rows[1:]]
    report_id = row_id.split("-")[1]  # type: ignore[union-attr]
    intake.goto(f"/yb/rewards/{report_id}/print")
    text = intake.locator("body").inner_text()
    assert "举报奖励审批表" in text and "JL-TEST-0002" in text
    shot(intake, "yb-reward-print")


def test_reward_pages_are_closed_to_institutions(page_as: Any) -> None:
    inst = page_as("inst_a")
    for url in ("/yb/rewards", "/yb/rewards.xlsx", "/yb/rewards/1/print"):
        assert inst.goto(url).status == 403, url
    assert "举报奖励" not in inst.locator("nav.sidenav").inner_text()
