"""`qiandai texts …`: fraud-method knowledge base, text/link screening, training, merchants, cases."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qiandai import settings
from qiandai.cli.common import console, user_errors
from qiandai.texts import service
from qiandai.texts.cases import CaseStore, cases_path
from qiandai.texts.cases_export import export_cases
from qiandai.texts.domain_lists import DomainLists, lists_path
from qiandai.texts.merchants import Merchant, MerchantRegistry, registry_path
from qiandai.texts.methods import import_book, load_book
from qiandai.texts.methods_export import export_book
from qiandai.texts.screening import ScreeningResult
from qiandai.texts.training import EvaluationReport, evaluate, read_labelled_file, save_active_model, train

app = typer.Typer(no_args_is_help=True)
methods_app = typer.Typer(no_args_is_help=True, help="诈骗手法知识库（防诈骗宝典）")
domains_app = typer.Typer(no_args_is_help=True, help="域名名单：黑名单、白名单、新注册域名、官方域名")
merchants_app = typer.Typer(no_args_is_help=True, help="商户登记：域名、IP 段、订单有效期")
cases_app = typer.Typer(no_args_is_help=True, help="案件分类复核与统计")
app.add_typer(methods_app, name="methods")
app.add_typer(domains_app, name="domains")
app.add_typer(merchants_app, name="merchants")
app.add_typer(cases_app, name="cases")


@app.command("classify")
def classify(
    file: Annotated[Path, typer.Argument(help="文本文件（UTF-8）；--lines 时每行一条")],
    lines: Annotated[bool, typer.Option("--lines", help="每行作为一条独立文本")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """识别文本的诈骗类型、红旗信号与实体。"""
    with user_errors():
        try:
            content = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            from qiandai.domain.errors import InputFileError

            raise InputFileError(str(file), f"无法读取（需 UTF-8 文本）：{exc}") from None
        texts = [t for t in content.splitlines() if t.strip()] if lines else [content]
        results = service.screener_for(settings.home()).screen_many(texts)
    if as_json:
        typer.echo(json.dumps([_result_dict(r) for r in results], ensure_ascii=False, indent=2))
        return
    for k, r in enumerate(results, start=1):
        _print_result(k, r)


def _result_dict(r: ScreeningResult) -> dict[str, object]:
    return {
        "risk": r.risk.value,
        "risk_label": r.risk.label,
        "risk_score": r.risk_score,
        "types": [t.__dict__ for t in r.types],
        "red_flags": [
            {"id": f.id, "name": f.name, "spans": [s.__dict__ for s in f.spans]} for f in r.red_flags
        ],
        "entities": [e.__dict__ for e in r.entities],
        "links": [
            {"url": v.url, "risk": v.risk.value, "reasons": [x.message for x in v.reasons]} for v in r.links
        ],
    }


def _print_result(k: int, r: ScreeningResult) -> None:
    console.print(f"[bold]第 {k} 条[/]（{r.length} 字）风险：[bold]{r.risk.label}[/]（{r.risk_score:.2f}）")
    for t in r.types:
        console.print(
            f"  可能类型：{t.name}  置信度 {t.confidence:.2f}"
            f"（模型 {t.model_probability:.2f}，规则 {t.rule_score:.2f}）"
        )
    for f in r.red_flags:
        spans = "、".join(f"“{s.text}”[{s.start}:{s.end}]" for s in f.spans)
        console.print(f"  红旗：{f.name}  {spans}")
    for e in r.entities:
        console.print(f"  实体：{e.kind} {e.text} {e.detail}")
    for v in r.links:
        console.print(f"  链接 {v.url}：风险{v.risk.label}；{'；'.join(x.message for x in v.reasons)}")
    if r.publicity:
        console.print("  注：文本含反诈宣传用语，规则风险已减半")


@app.command("link")
def link(url: Annotated[str, typer.Argument(help="链接或域名")]) -> None:
    """检查链接：仿冒域名、同形字、punycode、短链接、IP 地址、名单。"""
    with user_errors():
        v = service.link_checker_for(settings.home()).check(url)
    console.print(f"{v.url}  域名 {v.display_host}  风险：[bold]{v.risk.label}[/]")
    for r in v.reasons:
        console.print(f"  - {r.message}")


@app.command("train")
def train_cmd(csv_file: Annotated[Path, typer.Argument(help="标注数据 CSV：text,label[,kind,note]")]) -> None:
    """用自己的标注数据训练模型（全部数据），保存为当前模型。"""
    with user_errors():
        home = settings.home()
        data = read_labelled_file(csv_file, load_book(home))
        folder = save_active_model(train(data), home)
    console.print(f"已用 {len(data.texts)} 条样本、{len(set(data.labels))} 个类别训练模型，保存到 {folder}")
    console.print("评估泛化效果请运行：qiandai texts evaluate " + str(csv_file))


@app.command("evaluate")
def evaluate_cmd(
    csv_file: Annotated[Path, typer.Argument(help="标注数据 CSV：text,label[,kind,note]")],
    folds: Annotated[int, typer.Option(help="另做 k 折交叉验证（0 为不做）")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """固定分层留出 25% 评估：各类精确率、召回率、F1、宏平均 F1、混淆矩阵。"""
    with user_errors():
        book = load_book(settings.home())
        report = evaluate(read_labelled_file(csv_file, book), book, folds=folds)
    if as_json:
        typer.echo(json.dumps(_report_dict(report), ensure_ascii=False, indent=2))
        return
    _print_report(report)


def _report_dict(r: EvaluationReport) -> dict[str, object]:
    return {
        "n_train": r.n_train,
        "n_test": r.n_test,
        "macro_f1": r.macro_f1,
        "accuracy": r.accuracy,
        "classes": [c.__dict__ for c in r.classes],
        "labels": list(r.labels),
        "confusion": [list(row) for row in r.confusion],
        "cv_macro_f1": list(r.cv_macro_f1),
    }


def _print_report(r: EvaluationReport) -> None:
    table = Table(
        "类别",
        "名称",
        "精确率",
        "召回率",
        "F1",
        "样本数",
        title=f"留出评估：训练 {r.n_train} 条，测试 {r.n_test} 条",
    )
    for c in r.classes:
        table.add_row(c.label, c.name, f"{c.precision:.2f}", f"{c.recall:.2f}", f"{c.f1:.2f}", str(c.support))
    console.print(table)
    console.print(f"宏平均 F1：{r.macro_f1:.3f}    准确率：{r.accuracy:.3f}")
    if r.cv_macro_f1:
        vals = "、".join(f"{v:.3f}" for v in r.cv_macro_f1)
        console.print(
            f"{len(r.cv_macro_f1)} 折交叉验证宏平均 F1：{vals}"
            f"（均值 {sum(r.cv_macro_f1) / len(r.cv_macro_f1):.3f}）"
        )
    cm = Table(
        "真实＼预测", *[str(k) for k in range(len(r.labels))], title="混淆矩阵（行：真实类别，列：预测类别）"
    )
    for k, (label, row) in enumerate(zip(r.labels, r.confusion, strict=True)):
        cm.add_row(f"{k} {label}", *[str(v) if v else "." for v in row])
    console.print(cm)


@methods_app.command("list")
def methods_list() -> None:
    """列出全部诈骗手法。"""
    with user_errors():
        book = load_book(settings.home())
    table = Table(
        "编号", "名称", "别名", "所属清单", title=f"诈骗手法知识库 第 {book.version} 版（{book.updated}）"
    )
    for m in book.methods:
        table.add_row(m.id, m.name, "、".join(m.aliases), "；".join(m.lists))
    console.print(table)


@methods_app.command("show")
def methods_show(method_id: Annotated[str, typer.Argument(help="手法编号")]) -> None:
    """显示一个手法的描述、话术、识别要点、易受骗人群、防范建议。"""
    with user_errors():
        m = load_book(settings.home()).get(method_id)
    console.print(f"[bold]{m.name}[/]（{m.id}）\n{m.description}")
    for title, items in (
        ("典型话术", m.scripts),
        ("识别要点", m.red_flags),
        ("易受骗人群", m.targets),
        ("防范建议", m.advice),
    ):
        console.print(f"[bold]{title}[/]")
        for item in items:
            console.print(f"  - {item}")


@methods_app.command("search")
def methods_search(query: Annotated[str, typer.Argument(help="检索词")]) -> None:
    """按关键词检索诈骗手法。"""
    with user_errors():
        found = load_book(settings.home()).search(query)
    for m in found:
        console.print(f"{m.id}  {m.name}")
    console.print(f"共 {len(found)} 个")


@methods_app.command("export")
def methods_export(
    out: Annotated[Path, typer.Argument(help="输出文件")],
    fmt: Annotated[str, typer.Option("--format", help="xlsx 或 json（json 可编辑后导入）")] = "xlsx",
) -> None:
    """导出知识库。"""
    with user_errors():
        out.write_bytes(export_book(load_book(settings.home()), fmt))
    console.print(f"已导出到 {out}")


@methods_app.command("import")
def methods_import(
    file: Annotated[Path, typer.Argument(help="编辑后的 JSON（由 export --format json 导出）")],
    author: Annotated[str, typer.Option(help="修改人")],
    note: Annotated[str, typer.Option(help="修改说明")],
) -> None:
    """导入编辑后的知识库：校验后保存为新版本（版本号加一，记入修订记录）。"""
    with user_errors():
        book = import_book(file, settings.home(), author=author, note=note)
    console.print(
        f"已导入：第 {book.version} 版，{len(book.methods)} 个手法，{len(book.red_flags)} 条红旗规则"
    )


@domains_app.command("add")
def domains_add(
    kind: Annotated[str, typer.Argument(help="blocked 黑名单 / allowed 白名单 / new 新注册 / official 官方")],
    domain: Annotated[str, typer.Argument(help="域名，如 example.com")],
    note: Annotated[str, typer.Option(help="备注（官方域名填机构名称）")] = "",
    registered: Annotated[str | None, typer.Option(help="注册日期 YYYY-MM-DD（new 名单）")] = None,
) -> None:
    """向域名名单添加一个域名。"""
    with user_errors():
        path = lists_path(settings.home())
        lists = DomainLists.load(path)
        lists.add(kind, domain, note, _date(registered))
        lists.save(path)
    console.print(f"已添加 {domain}")


@merchants_app.command("add")
def merchants_add(
    merchant_id: Annotated[str, typer.Argument(help="商户编号")],
    name: Annotated[str, typer.Option(help="商户名称")],
    domain: Annotated[list[str], typer.Option(help="登记域名（可多次）")],
    ip: Annotated[list[str] | None, typer.Option(help="登记 IP 或 CIDR（可多次）")] = None,
    validity: Annotated[int, typer.Option(help="订单有效期（秒）")] = 900,
    confirm_amount: Annotated[float, typer.Option(help="二次确认金额门槛（元）")] = 5000.0,
    strict_ip: Annotated[bool, typer.Option(help="IP 不符时直接拒绝")] = False,
) -> None:
    """登记或更新一个商户。"""
    with user_errors():
        path = registry_path(settings.home())
        registry = MerchantRegistry.load(path)
        registry.put(
            Merchant(merchant_id, name, tuple(domain), tuple(ip or ()), validity, confirm_amount, strict_ip)
        )
        registry.save(path)
    console.print(f"已登记商户 {merchant_id}")


@cases_app.command("add")
def cases_add(
    file: Annotated[Path, typer.Argument(help="案情描述文本文件（UTF-8）")],
    reported: Annotated[str | None, typer.Option(help="报案日期 YYYY-MM-DD（缺省为今天）")] = None,
    channel: Annotated[str, typer.Option(help="来源渠道")] = "",
) -> None:
    """录入案件：自动给出建议类型，待人工复核。"""
    with user_errors():
        text = file.read_text(encoding="utf-8")
        r = service.screener_for(settings.home()).screen(text)
        top = r.types[0] if r.types else None
        at = datetime.combine(_date(reported) or date.today(), datetime.min.time(), UTC)
        case_id = CaseStore(cases_path(settings.home())).add(
            text,
            at,
            channel=channel,
            suggested_type=top.method_id if top else None,
            suggested_confidence=top.confidence if top else None,
        )
    console.print(f"案件 {case_id} 已录入；建议类型：{top.name if top else '无'}")


@cases_app.command("review")
def cases_review(
    case_id: Annotated[int, typer.Argument(help="案件编号")],
    method_id: Annotated[str, typer.Argument(help="确认的手法编号")],
    reviewer: Annotated[str, typer.Option(help="复核人")],
) -> None:
    """复核案件类型（确认或更改）。"""
    with user_errors():
        load_book(settings.home()).get(method_id)
        rec = CaseStore(cases_path(settings.home())).review(case_id, method_id, reviewer)
    console.print(f"案件 {rec.case_id} 已复核为 {method_id}（{rec.reviewer}）")


@cases_app.command("stats")
def cases_stats(period: Annotated[str, typer.Option(help="day / month / year")] = "month") -> None:
    """按确认类型和周期统计案件数。"""
    with user_errors():
        book = load_book(settings.home())
        rows = CaseStore(cases_path(settings.home())).counts_by_type(period)
    table = Table("周期", "类型", "案件数")
    for p, t, n in rows:
        table.add_row(p, book.name_of(t), str(n))
    console.print(table)


@cases_app.command("export")
def cases_export(
    out: Annotated[Path, typer.Argument(help="输出文件")],
    fmt: Annotated[str, typer.Option("--format", help="csv 或 xlsx")] = "xlsx",
) -> None:
    """导出案件（中文表头，手机号、卡号已脱敏）。"""
    with user_errors():
        home = settings.home()
        out.write_bytes(export_cases(CaseStore(cases_path(home)).all_cases(), load_book(home), fmt))
    console.print(f"已导出到 {out}")


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        from qiandai.domain.errors import InvalidInputError

        raise InvalidInputError(f"日期 {value!r} 无效：格式为 YYYY-MM-DD") from None
