"""Training and held-out evaluation on a CSV, and the `qiandai texts` commands."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qiandai.cli.texts import app
from qiandai.domain.errors import InputFileError, InvalidInputError
from qiandai.texts.methods import MethodBook
from qiandai.texts.training import evaluate, read_labelled_csv, seed_corpus

runner = CliRunner()


def _write_seed_csv(path: Path, book: MethodBook, per_class: int | None = None) -> Path:
    data = seed_corpus(book)
    seen: dict[str, int] = {}
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        for t, lbl in zip(data.texts, data.labels, strict=True):
            seen[lbl] = seen.get(lbl, 0) + 1
            if per_class is None or seen[lbl] <= per_class:
                w.writerow([t, lbl])
    return path


def test_seed_evaluation_is_deterministic_and_honest(book: MethodBook) -> None:
    data = seed_corpus(book)
    a, b = evaluate(data, book), evaluate(data, book)
    assert a == b
    assert a.n_test == 121 and len(a.classes) == 17
    assert 0.5 < a.macro_f1 < 1.0  # a small hand-written corpus: neither useless nor perfect
    assert sum(map(sum, a.confusion)) == a.n_test


def test_cli_train_then_classify_uses_the_new_model(home: Path, book: MethodBook) -> None:
    csv_file = _write_seed_csv(home / "mine.csv", book, per_class=6)
    result = runner.invoke(app, ["train", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert (home / "texts" / "models" / "active" / "model.json").exists()
    sms = home / "sms.txt"
    sms.write_text("恭喜您中獎了，請先繳納個人所得稅再領獎\n今天晚上吃饺子\n", encoding="utf-8")
    out = runner.invoke(app, ["classify", str(sms), "--lines", "--json"])
    assert out.exit_code == 0, out.output
    results = json.loads(out.output)
    assert results[0]["types"][0]["method_id"] == "lottery_prize"


def test_cli_evaluate_prints_per_class_and_confusion(home: Path, book: MethodBook) -> None:
    csv_file = _write_seed_csv(home / "mine.csv", book, per_class=8)
    out = runner.invoke(app, ["evaluate", str(csv_file), "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert {"macro_f1", "confusion", "classes"} <= report.keys()
    assert len(report["confusion"]) == len(report["labels"]) == 17
    text = runner.invoke(app, ["evaluate", str(csv_file)])
    assert "宏平均 F1" in text.output and "混淆矩阵" in text.output


def test_bad_training_files(home: Path, book: MethodBook) -> None:
    with pytest.raises(InputFileError, match="缺少必需的列"):
        read_labelled_csv("words,kind\n你好,sms\n", "x.csv", book)
    with pytest.raises(InputFileError, match="第 3 行"):
        read_labelled_csv("text,label\n你好,normal\n,normal\n", "x.csv", book)
    lonely = read_labelled_csv("text,label\n你好,normal\n再见,normal\n中奖了,中奖诈骗\n", "x.csv", book)
    assert lonely.labels[-1] == "lottery_prize"  # Chinese names map to ids
    with pytest.raises(InvalidInputError, match="少于 2 条"):
        evaluate(lonely, book)
    missing = runner.invoke(app, ["evaluate", str(home / "nope.csv")])
    assert missing.exit_code == 2 and "无法读取" in missing.output


def test_cli_methods_link_domains_merchants_cases(home: Path) -> None:
    assert "刷单返利" in runner.invoke(app, ["methods", "list"]).output
    assert "冒充公检法" in runner.invoke(app, ["methods", "show", "impersonate_police"]).output
    assert "fake_credit" in runner.invoke(app, ["methods", "search", "征信"]).output
    assert runner.invoke(app, ["methods", "export", str(home / "m.xlsx")]).exit_code == 0
    assert runner.invoke(app, ["methods", "show", "nope"]).exit_code == 2
    assert runner.invoke(app, ["domains", "add", "blocked", "scam.com"]).exit_code == 0
    assert "黑名单" in runner.invoke(app, ["link", "http://www.scam.com/x"]).output
    add = runner.invoke(
        app, ["merchants", "add", "M1", "--name", "商城", "--domain", "shop.cn", "--ip", "1.2.3.0/24"]
    )
    assert add.exit_code == 0, add.output
    case = home / "case.txt"
    case.write_text("受害人接到自称公安的电话，被要求把钱转到安全账户", encoding="utf-8")
    assert runner.invoke(app, ["cases", "add", str(case), "--reported", "2025-03-02"]).exit_code == 0
    assert (
        runner.invoke(app, ["cases", "review", "1", "impersonate_police", "--reviewer", "李"]).exit_code == 0
    )
    assert "冒充公检法" in runner.invoke(app, ["cases", "stats"]).output
    assert runner.invoke(app, ["cases", "export", str(home / "c.csv"), "--format", "csv"]).exit_code == 0
