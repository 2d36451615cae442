"""Loading files into a built knowledge base: versioning, official xlsx layout, bad files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from qiandai.domain.errors import KnowledgeBaseError
from qiandai.knowledge import KnowledgeBase
from qiandai.knowledge.records import derived_kp_id
from qiandai.knowledge.resources import data_file

PAIR_KP = "KP-ecc09d0c65ab6f08"  # batch 7: 急诊监护费 × 急诊诊查费, window 单日 (xlsx)
COURSE_KP = "KP-d96b221f3dc81fce"  # batch 8-3: 儿童听力障碍语言训练, 365 days


def _batch_records(name: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(data_file("nhsa", "batches", name).read_text("utf-8"))
    return records


def _write_json(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def _write_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def test_reloading_a_shipped_file_adds_nothing(fresh_kb: KnowledgeBase, tmp_path: Path) -> None:
    copy = tmp_path / "batch_07.json"
    copy.write_bytes(data_file("nhsa", "batches", "batch_07.json").read_bytes())
    before = len(fresh_kb.history())
    report = fresh_kb.load_file(copy)
    assert report.already_loaded and report.added == report.changed == 0
    assert "未做任何更改" in report.message
    assert len(fresh_kb.history()) == before


def test_modified_batch_reports_one_changed_and_one_added(fresh_kb: KnowledgeBase, tmp_path: Path) -> None:
    changed, new = (dict(r) for r in _batch_records("batch_07.json")[:2])
    assert changed["kp_id"] == PAIR_KP
    changed["constraint"] = "含监护、床位、诊查、护理（2026年修订）"
    new.update(kp_id="KP-new0000000000001", med_codes=["001103000010000", "009999999990000"])
    new["item_name"] = "急诊监护费×测试项目"
    path = _write_json(tmp_path / "batch_07_rev.json", [changed, new])

    report = fresh_kb.load_file(path)
    assert (report.added, report.changed, report.superseded, report.unchanged) == (1, 1, 0, 0)
    assert report.added_ids == ("KP-new0000000000001",) and report.changed_ids == (PAIR_KP,)
    point = fresh_kb.point(PAIR_KP)
    assert point is not None and point.constraint_text.endswith("（2026年修订）")  # type: ignore[union-attr]
    assert point.params["window"] == "单日"  # the xlsx parameter survives a new text
    old = fresh_kb.sql(
        f"SELECT constraint_text FROM point_history WHERE kp_id = '{PAIR_KP}' "
        f"AND replaced_in_load = {report.load_id}"
    ).to_pylist()
    assert old == [{"constraint_text": "含监护、床位、诊查、护理"}]
    assert fresh_kb.history()[-1].added == 1 and fresh_kb.history()[-1].changed == 1
    # the new pair has no window yet: reported, not guessed
    assert [u.kp_id for u in fresh_kb.unparsed("duplicate_pairs")] == ["KP-new0000000000001"]
    assert fresh_kb.load_file(path).already_loaded


def test_superseding_point_inherits_parameters(fresh_kb: KnowledgeBase, tmp_path: Path) -> None:
    record = next(r for r in _batch_records("batch_08.json") if r["kp_id"] == COURSE_KP)
    update = dict(record, kp_id="KP-upd0000000000001", supersedes=COURSE_KP, batch_tag="updates_2027-01")
    update["constraint"] = "每周最多支付一次。"  # states no course length: inherits 365
    report = fresh_kb.load_file(_write_json(tmp_path / "updates_2027-01.json", [update]))
    assert report.superseded_ids == (COURSE_KP,) and report.added == 1
    rows = {r["kp_id"]: r["max_days"] for r in fresh_kb.rule_table("item_course").to_pylist()}
    assert rows.get("KP-upd0000000000001") == 365 and COURSE_KP not in rows
    old = fresh_kb.point(COURSE_KP)
    assert old is not None and not old.active and old.params["max_days"] == 365


def test_official_xlsx_layout_enriches_and_adds(fresh_kb: KnowledgeBase, tmp_path: Path) -> None:
    rows = [
        ["序号", "项目名称", "限制数量", "数量单位", "项目编码"],
        [1, "门急诊留观诊查费", 2, "日", "001102000040000"],
        [2, "测试新项目", 3, "天", "009999999990001"],
        ["合计", None, None, None, None],
    ]
    path = _write_xlsx(tmp_path / "【第十八批】项目规则库（限定频次）.xlsx", {"明细": rows})
    report = fresh_kb.load_file(path)
    new_id = derived_kp_id("医疗服务项目限定频次", ["009999999990001"])
    assert report.layout == "official_xlsx" and report.batch_tag == "batch_18"
    assert report.added_ids == (new_id,) and report.changed == 1
    table = {r["code"]: r for r in fresh_kb.rule_table("item_frequency").to_pylist()}
    assert table["001102000040000"]["max_count"] == 2
    assert table["009999999990001"] == {
        "kp_id": new_id,
        "code": "009999999990001",
        "name": "测试新项目",
        "max_count": 3,
        "unit": "日",
    }
    point = fresh_kb.point(new_id)
    assert point is not None and point.gz_code == "GZ10000102014000" and point.batch == 18


def test_official_drug_xlsx_joins_sheets_on_name(fresh_kb: KnowledgeBase, tmp_path: Path) -> None:
    sheets = {
        "Sheet1": [
            ["药品通用名", "药品说明", "限定类型", "限定对象"],
            ["测试栓", "用于阴道炎。", "限定性别对象", "女"],
        ],
        "Sheet2": [
            ["药品通用名", "序号", "国标代码", "限定类型"],
            ["测试栓", 1, "XG01TEST0001", "限定性别对象"],
        ],
    }
    report = fresh_kb.load_file(_write_xlsx(tmp_path / "drugs.xlsx", sheets))
    assert report.added == 1 and report.batch_tag == "drugs"
    rows = [r for r in fresh_kb.rule_table("drug_gender").to_pylist() if r["code"] == "XG01TEST0001"]
    assert rows == [{"kp_id": report.added_ids[0], "code": "XG01TEST0001", "name": "测试栓", "gender": "2"}]


def test_note_layout_takes_its_rule_class_from_the_sheet_title(
    fresh_kb: KnowledgeBase, tmp_path: Path
) -> None:
    rows = [["序号", "项目名称", "备注", "项目代码"], [1, "测试训练", "支付不超过45天。", "009999999990002"]]
    title = "“医疗服务项目限支付疗程”规则对应知识点明细"
    report = fresh_kb.load_file(_write_xlsx(tmp_path / "new.xlsx", {title: rows}))
    assert report.added == 1
    table = {r["code"]: r["max_days"] for r in fresh_kb.rule_table("item_course").to_pylist()}
    assert table["009999999990002"] == 45


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("broken.xlsx", b"this is not a workbook", "无法读取"),
        ("broken.json", b'[{"kp_id": ', "无法读取"),
        ("object.json", b'{"a": 1}', "无法识别的版式"),
        ("fields.json", json.dumps([{"kp_id": "KP-1", "rule_class": "x"}]).encode(), "缺少字段"),
        ("notes.txt", b"hello", "无法识别的文件类型"),
        ("empty.json", b"", "文件为空"),
    ],
)
def test_bad_files_raise_a_named_error(
    fresh_kb: KnowledgeBase, tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(KnowledgeBaseError) as info:
        fresh_kb.load_file(path)
    assert name in str(info.value) and expected in str(info.value)


def test_unknown_xlsx_layout_lists_the_expected_headers(fresh_kb: KnowledgeBase, tmp_path: Path) -> None:
    path = _write_xlsx(tmp_path / "other.xlsx", {"S": [["姓名", "金额"], ["张三", 1]]})
    with pytest.raises(KnowledgeBaseError) as info:
        fresh_kb.load_file(path)
    message = str(info.value)
    assert "other.xlsx" in message and "期望的表头之一" in message and "主项编码" in message


def test_xlsx_missing_a_column_names_it(fresh_kb: KnowledgeBase, tmp_path: Path) -> None:
    headers = ["序号", "主项名称", "主项编码", "从项名称", "从项编码", "备注"]  # no 频度
    path = _write_xlsx(tmp_path / "pairs.xlsx", {"S": [headers]})
    with pytest.raises(KnowledgeBaseError, match=r"pairs\.xlsx.*缺少列：频度"):
        fresh_kb.load_file(path)


def test_missing_file(fresh_kb: KnowledgeBase, tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match=r"nothing\.json"):
        fresh_kb.load_file(tmp_path / "nothing.json")
    assert fresh_kb.history()[-1].source_file.endswith(".xlsx")
