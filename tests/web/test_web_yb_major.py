"""要情报告 in the browser: the demo's fraud case has a major-case report due; a reviewer submits it
(上报) with a summary, the printable report form shows it; the export has Chinese headers; institution
users get 403."""

from __future__ import annotations

from typing import Any

from web_helpers import shot
from yb_console_helpers import assert_chinese_headers, flash, submit, xlsx_rows


def test_reviewer_submits_a_major_case_report(page_as: Any) -> None:
    reviewer = page_as("reviewer")
    reviewer.goto("/yb/major-reports")
    forms = reviewer.locator("#major-reports form[action$='/submit']")
    assert forms.count() >= 1, "the demo's Art. 40 case opens a major-case report"
    row_id = forms.first.locator("xpath=ancestor::tr").get_attribute("id")
    shot(reviewer, "yb-major-reports")
    form = forms.first
    form.locator("textarea[name=summary]").fill("某医院欺诈骗取医保基金，已依第四十条处罚并暂停服务。")
    submit(reviewer, form)
    assert "已上报" in flash(reviewer)
    assert "已上报" in reviewer.locator(f"#{row_id}").inner_text()
    rows = xlsx_rows(reviewer, "/yb/major-reports.xlsx")
    assert_chinese_headers(rows)
    assert any("依第四十条处罚" in str(r[-1]) for r in rows[1:])
    reviewer.goto(f"/yb/major-reports/{row_id.split('-')[1]}/print")  # type: ignore[union-attr]
    text = reviewer.locator("body").inner_text()
    assert "要情报告单" in text and "依第四十条处罚" in text
    shot(reviewer, "yb-major-print")


def test_major_reports_are_closed_to_institutions(page_as: Any) -> None:
    inst = page_as("inst_b")
    for url in ("/yb/major-reports", "/yb/major-reports.xlsx", "/yb/major-reports/1/print"):
        assert inst.goto(url).status == 403, url
    assert "要情报告" not in inst.locator("nav.sidenav").inner_text()
