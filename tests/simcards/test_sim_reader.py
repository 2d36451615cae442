"""CDR readers: bad rows are reported with file, row, field and a Chinese reason; valid rows go on;
unusable files and folders fail with a specific message."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sim_helpers import HEADER, SUBSCRIBERS, A, hand_cdr, write_csv

from qiandai.domain.errors import InputFileError, InputFolderError
from qiandai.simcards.schema import open_cdr, write_issues_csv

GOOD = (A, "17000000001", "2026-10-01 10:00:00", "5", "c1", "330106", "330100", "out")


def test_bad_rows_are_reported_and_valid_rows_go_on(tmp_path: Path) -> None:
    folder = tmp_path / "cdr"
    rows = [
        HEADER,
        GOOD,
        ("12ab", "17000000001", "2026-10-01 10:00:00", "5", "c1", "330106", "330100", "out"),
        (A, "", "2026-10-01 10:00:00", "5", "c1", "330106", "330100", "out"),
        (A, "17000000001", "昨天", "5", "c1", "330106", "330100", "out"),
        (A, "17000000001", "2026-10-01 10:00:00", "-5", "c1", "330106", "330100", "out"),
        (A, "17000000001", "2026-10-01 10:00:00", "5", "c1", "3301", "330100", "out"),
        (A, "17000000001", "2026-10-01 10:00:00", "5", "c1", "330106", "330100", "sideways"),
        (A, "17000000001", "2026-10-01 10:00:00", "5", "c1", "330106", "33A", "out"),
        GOOD,
    ]
    write_csv(folder / "calls.csv", rows)
    write_csv(folder / "subscribers.csv", [*SUBSCRIBERS, ("1380", "P9", "330100", "2026-13-01", "third")])
    con = duckdb.connect()
    report = open_cdr(folder, con)
    assert report.valid["calls"] == 2 and report.invalid["calls"] == 7
    assert report.valid["subscribers"] == 3 and report.invalid["subscribers"] == 1
    assert con.sql("SELECT count(*) FROM calls").fetchall()[0][0] == 2
    found = {(i.row, i.field): i.reason for i in report.examples if i.table == "calls"}
    assert found == {
        (2, "caller"): "主叫号码应为 5–20 位数字",
        (3, "callee"): "被叫号码为空",
        (4, "start_time"): "开始时间为空或无法解析（应为 YYYY-MM-DD HH:MM:SS）",
        (5, "duration_s"): "通话时长应为 0–86400 之间的整数秒",
        (6, "region_code"): "位置行政区划代码应为 6 位数字",
        (7, "direction"): "呼叫方向应为 out（主叫）或 in（被叫）",
        (8, "callee_region"): "被叫归属地代码应为 6 位数字或留空",
    }
    assert all(i.file == "calls.csv" for i in report.examples if i.table == "calls")
    sub = next(i for i in report.examples if i.table == "subscribers")
    assert (sub.row, sub.field) == (4, "number")  # the first failing check of the row is reported
    lines = "\n".join(report.summary_lines())
    assert "通话详单（calls）：有效 2 行，无效 7 行" in lines and "calls.csv 第 2 行 字段 caller" in lines
    write_issues_csv(report, tmp_path / "issues.csv")
    assert (tmp_path / "issues.csv").read_text(encoding="utf-8-sig").splitlines()[
        0
    ] == "表,文件,行号,字段,原因"


def test_parquet_rows_are_numbered_and_typed_columns_accepted(tmp_path: Path) -> None:
    folder = hand_cdr(tmp_path / "cdr")
    (folder / "calls.csv").unlink()
    table = pa.table(
        {
            "caller": [A, A],
            "callee": ["17000000001", "x"],
            "start_time": pa.array([1_790_000_000, 1_790_000_100], type=pa.timestamp("s")),
            "duration_s": pa.array([10, 20], type=pa.int32()),
            "region_code": ["330106", "330106"],
            "direction": ["out", "out"],
        }
    )  # optional columns cell_id and callee_region absent
    pq.write_table(table, folder / "calls.parquet")
    report = open_cdr(folder, duckdb.connect())
    assert report.valid["calls"] == 1 and report.invalid["calls"] == 1
    assert [(i.file, i.row, i.field) for i in report.examples] == [("calls.parquet", 2, "callee")]


def test_unusable_inputs_fail_with_a_specific_message(tmp_path: Path) -> None:
    folder = tmp_path / "cdr"
    write_csv(folder / "subscribers.csv", SUBSCRIBERS)
    with pytest.raises(InputFolderError, match="缺少通话详单表 calls"):
        open_cdr(folder, duckdb.connect())
    write_csv(folder / "calls.csv", [("caller", "callee", "start_time"), GOOD[:3]])
    with pytest.raises(InputFileError, match="缺少必需列 duration_s、region_code、direction"):
        open_cdr(folder, duckdb.connect())
    (folder / "calls").mkdir()
    with pytest.raises(InputFolderError, match="有多个文件"):
        open_cdr(folder, duckdb.connect())
    with pytest.raises(InputFolderError, match="CDR 目录不存在"):
        open_cdr(tmp_path / "nowhere", duckdb.connect())


def test_sms_table_is_optional(tmp_path: Path) -> None:
    folder = hand_cdr(tmp_path / "cdr")
    (folder / "sms.csv").unlink()
    con = duckdb.connect()
    report = open_cdr(folder, con)
    assert "sms" not in report.valid
    assert con.sql("SELECT count(*) FROM sms").fetchall()[0][0] == 0
