"""Knowledge base (versions, search, export, import) and the case store (review, statistics, export)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from qiandai.domain.errors import InvalidInputError, KnowledgeBaseError, NotFoundError
from qiandai.texts.cases import CaseStore
from qiandai.texts.cases_export import export_cases
from qiandai.texts.methods import MethodBook, import_book, load_book
from qiandai.texts.methods_export import export_book


def test_shipped_book_has_every_listed_method(book: MethodBook) -> None:
    assert len(book.methods) == 16
    top10 = next(lst for lst in book.lists if lst["id"] == "2023-top10")
    assert len(top10["methods"]) == 10
    assert {"safe_account", "screen_share", "million_guarantee", "turnover_brushing", "credit_cancel"} <= {
        f.id for f in book.red_flags
    }
    for m in book.methods:
        assert m.scripts and m.red_flags and m.targets and m.advice


def test_search_is_traditional_and_case_insensitive(book: MethodBook) -> None:
    assert [m.id for m in book.search("徵信 註銷")] == ["fake_credit"]
    assert "fake_investment" in {m.id for m in book.search("usdt")}


def test_import_bumps_version_and_overrides_shipped(home: Path, book: MethodBook) -> None:
    doc = json.loads(export_book(book, "json"))
    doc["methods"][0]["advice"].append("新增建议：遇到刷单广告直接举报")
    edited = home / "edited.json"
    edited.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    new = import_book(edited, home, author="张三", note="补充建议")
    assert new.version == book.version + 1
    assert load_book(home).get("order_brushing").advice[-1].startswith("新增建议")
    assert load_book(home).changelog[-1]["author"] == "张三"


def test_import_refuses_invalid_documents(home: Path, book: MethodBook) -> None:
    doc = json.loads(export_book(book, "json"))
    doc["red_flag_patterns"][0]["patterns"] = ["(unclosed"]
    bad = home / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="正则"):
        import_book(bad, home, author="a", note="b")
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidInputError):
        import_book(bad, home, author="a", note="b")
    assert load_book(home).version == book.version


def test_case_review_statistics_and_export(tmp_path: Path, book: MethodBook) -> None:
    store = CaseStore(tmp_path / "cases.sqlite")
    a = store.add(
        "受害人被冒充警察骗走5万元，对方电话13812345678",
        datetime(2025, 1, 5, tzinfo=UTC),
        suggested_type="impersonate_police",
        suggested_confidence=0.9,
    )
    b = store.add(
        "刷单返利被骗，转账到6222021234567890128",
        datetime(2025, 1, 20, tzinfo=UTC),
        suggested_type="order_brushing",
        suggested_confidence=0.7,
    )
    c = store.add("网购低价手机被骗", datetime(2025, 2, 2, tzinfo=UTC), suggested_type="fake_shopping")
    store.review(a, "impersonate_police", "李警官")
    rec = store.review(b, "fake_investment", "王分析师", at=datetime(2025, 1, 21, tzinfo=UTC))
    assert rec.reviewer == "王分析师" and rec.confirmed_type == "fake_investment"
    store.review(c, "fake_shopping", "李警官")
    assert store.counts_by_type("month") == [
        ("2025-01", "fake_investment", 1),
        ("2025-01", "impersonate_police", 1),
        ("2025-02", "fake_shopping", 1),
    ]
    assert store.counts_by_type("year", start=datetime(2025, 2, 1, tzinfo=UTC)) == [
        ("2025", "fake_shopping", 1)
    ]
    with pytest.raises(NotFoundError):
        store.review(99, "fake_shopping", "x")
    with pytest.raises(InvalidInputError):
        store.counts_by_type("week")
    rows = list(csv.reader(io.StringIO(export_cases(store.all_cases(), book, "csv").decode("utf-8-sig"))))
    assert rows[0][:4] == ["案件编号", "报案时间", "来源渠道", "案情描述"]
    assert "138****5678" in rows[1][3] and "13812345678" not in rows[1][3]
    assert "***************0128" in rows[2][3]
    assert rows[2][6] == "虚假网络投资理财"
    assert export_cases(store.all_cases(), book, "xlsx")[:2] == b"PK"
