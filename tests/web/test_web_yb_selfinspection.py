"""自查自纠 in the browser: an institution uploads its problem list (xlsx) with a partial refund, the
bureau returns it, the institution refunds the rest, the bureau accepts; bad rows are named; another
institution gets 404 and the lists and exports hold only the user's own institution."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from web_helpers import shot
from yb_console_helpers import assert_chinese_headers, flash, submit, xlsx_rows

HEADERS = ["规则编码", "问题名称", "就诊编号", "发生日期", "金额（元）", "问题说明"]


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADERS, *rows]:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    path.write_bytes(buf.getvalue())
    return path


def test_institution_submits_and_bureau_accepts(page_as: Any, tmp_path: Path) -> None:
    inst = page_as("inst_a")
    inst.goto("/yb/self-inspections")
    form = inst.locator("#submit form")
    bad = _xlsx(tmp_path / "bad.xlsx", [["R1", "", "M1", "2026-10-01", "1.234", ""]])
    form.locator("input[name=period]").fill("2026-09")
    form.locator("textarea[name=summary]").fill("对照规则逐项自查")
    form.locator("input[name=problems]").set_input_files(str(bad))
    inst.once("dialog", lambda d: d.accept())
    form.locator("button[type=submit]").click()
    inst.wait_for_load_state("networkidle")
    message = inst.locator("body").inner_text()
    assert "bad.xlsx 第 2 行「问题名称」" in message and "小数位数过多" in message
    inst.goto("/yb/self-inspections")
    form = inst.locator("#submit form")
    good = _xlsx(
        tmp_path / "自查问题.xlsx",
        [
            ["GZ1", "重复收取诊查费", "M-1", "2026-09-03", "120.00", "同日重复"],
            ["GZ2", "超标准收费", "M-2", "2026-09-05", "80.50", "超物价标准"],
        ],
    )
    form.locator("input[name=period]").fill("2026-09")
    form.locator("textarea[name=summary]").fill("对照规则逐项自查")
    form.locator("input[name=problems]").set_input_files(str(good))
    form.locator("input[name=refund_amount]").fill("100")
    submit(inst, form, "button[type=submit]")
    assert "问题 2 个，主动退回 100.00 元" in flash(inst)
    url = inst.url
    assert re.search(r"/yb/self-inspections/\d+$", url)
    assert inst.locator("#review-form").count() == 0

    auditor = page_as("auditor")
    auditor.goto(url)
    review = auditor.locator("#review-form")
    review.locator("input[name=opinion]").fill("退回金额不足，请补退")
    auditor.once("dialog", lambda d: d.accept())
    with auditor.expect_navigation():
        review.locator("button[value=false]").click()
    assert "退回补充" in auditor.locator("#si-status").inner_text()

    inst.goto(url)
    refund = inst.locator("#refund-form")
    refund.locator("input[name=amount]").fill("100.50")
    refund.locator("input[name=voucher]").fill("TH-0001")
    submit(inst, refund)
    assert "200.50" in inst.locator("#si-refund").inner_text()
    assert inst.locator("td", has_text="自查自纠已退回").count() == 2

    reviewer = page_as("reviewer")
    reviewer.goto(url)
    review = reviewer.locator("#review-form")
    review.locator("input[name=opinion]").fill("退回到位，予以认可")
    with reviewer.expect_navigation():
        review.locator("button[value=true]").click()
    assert "已认可" in reviewer.locator("#si-status").inner_text()
    shot(reviewer, "yb-self-inspection")
    reviewer.goto(url + "/print")
    assert "退回到位，予以认可" in reviewer.locator("body").inner_text()
    shot(reviewer, "yb-self-inspection-print")

    other = page_as("inst_b")
    assert other.goto(url).status == 404
    assert other.goto(url + "/print").status == 404


def test_lists_and_exports_hold_only_the_own_institution(page_as: Any) -> None:
    inst = page_as("inst_b")
    inst.goto("/yb/institutions")
    own_code = inst.url.rsplit("/", 1)[1]
    rows = xlsx_rows(inst, "/yb/self-inspections.xlsx")
    assert_chinese_headers(rows)
    assert {r[1] for r in rows[1:]} <= {own_code}
    auditor = page_as("auditor")
    everyone = xlsx_rows(auditor, "/yb/self-inspections.xlsx")
    assert any(r[1] != own_code for r in everyone[1:]), "the demo has another institution's report"
    template = xlsx_rows(inst, "/yb/self-inspections/template.xlsx")
    assert template[0] == HEADERS
    assert page_as("expert").goto("/yb/self-inspections").status == 403
