"""立案 in the browser: a reviewer opens a case from confirmed points and takes it through its stages
(告知书 → 陈述申辩 → 处罚决定 with the printable decision); a verified report becomes a point; an
institution user gets 403 and never sees another institution's case."""

from __future__ import annotations

import re
from typing import Any

from web_helpers import shot
from yb_console_helpers import assert_chinese_headers, flash, submit, xlsx_rows


def test_open_a_case_and_move_it_to_a_decision(page_as: Any) -> None:
    reviewer = page_as("reviewer")
    reviewer.goto("/yb/case-intake")
    groups = reviewer.locator("form.intake-group")
    assert groups.count() >= 1, "the demo leaves points awaiting a case"
    shot(reviewer, "yb-case-intake")
    rows = xlsx_rows(reviewer, "/yb/case-intake.xlsx")
    assert_chinese_headers(rows)
    assert len(rows) - 1 == int(
        re.search(r"共 (\d+) 个", reviewer.locator(".count").first.inner_text()).group(1)
    )  # type: ignore[union-attr]
    group = groups.first
    n = group.locator("input[name=finding_ids]:checked").count()
    group.locator("input[name=title]").fill("浏览器测试立案案件")
    submit(reviewer, group, "button[type=submit]")
    assert re.search(r"/yb/cases/\d+$", reviewer.url)
    assert f"涉及疑点 {n} 个" in flash(reviewer)
    assert "已立案" in reviewer.locator(".page-head").inner_text()
    case_url = reviewer.url

    form = reviewer.locator("form[action$='/hearing-notice']")
    form.locator("select[name=article]").select_option("38")
    form.locator("input[name=multiple]").fill("1.5")
    submit(reviewer, form)
    assert "已告知" in reviewer.locator(".page-head").inner_text()
    statement = reviewer.locator("form[action$='/statement']")
    statement.locator("input[name=waive]").check()
    submit(reviewer, statement)

    leader = page_as("leader")
    leader.goto(case_url)
    decide = leader.locator("form[action$='/decision']")
    decide.locator("select[name=article]").select_option("38")
    decide.locator("input[name=multiple]").fill("1.5")
    submit(leader, decide)
    assert "已决定" in leader.locator(".page-head").inner_text()
    docs = leader.locator("a[href^='/yb/documents/']")
    assert docs.count() == 2
    timeline = leader.locator("#timeline").inner_text()
    for step in ("立案", "发出行政处罚事先告知书", "陈述申辩", "作出处罚决定"):
        assert step in timeline
    shot(leader, "yb-case-decided")
    pdf_href = docs.first.get_attribute("href") or ""
    leader.goto(case_url + "/decision/print")
    assert "行政处罚决定书" in leader.locator("h1").first.inner_text()
    shot(leader, "yb-decision-print")
    pdf = leader.request.get(pdf_href)
    assert pdf.status == 200 and pdf.body()[:4] == b"%PDF"


def test_verified_report_becomes_a_point_awaiting_a_case(page_as: Any) -> None:
    auditor = page_as("auditor")
    auditor.goto("/yb/case-intake")
    leads = auditor.locator("#report-leads form")
    assert leads.count() >= 1, "the demo has verified reports against institutions"
    submit(auditor, leads.first)
    assert "举报线索已转为待立案疑点" in flash(auditor)
    assert auditor.locator("td", has_text="举报查实").count() >= 1


def test_institution_user_cannot_open_cases_or_see_others(page_as: Any) -> None:
    inst = page_as("inst_a")
    assert inst.goto("/yb/case-intake").status == 403
    assert inst.goto("/yb/case-intake.xlsx").status == 403
    assert "立案" not in inst.locator("nav.sidenav").inner_text().replace("案件办理", "")
    inst.goto("/yb/institutions")
    own_code = inst.url.rsplit("/", 1)[1]
    reviewer = page_as("reviewer")
    reviewer.goto("/yb/cases")
    hrefs = [a.get_attribute("href") for a in reviewer.locator("table.grid tbody a").all()]
    statuses = []
    for href in hrefs:
        response = inst.goto(href)
        statuses.append(response.status)
        if response.status == 200:
            assert own_code in inst.locator("dl.facts").first.inner_text()
    assert 404 in statuses and set(statuses) <= {200, 404}
