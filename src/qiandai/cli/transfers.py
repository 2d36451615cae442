"""`qiandai transfers …`: replay and evaluate, decide, holds, lists, warnings, scenario versions.

Commands that touch the database use ``QIANDAI_DATABASE_URL`` (default: SQLite in ``$QIANDAI_HOME``),
migrated first. Warning commands run as the operator (global scope).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from qiandai.transfers.runtime import TransferRuntime

from qiandai.cli.common import console, progress_bar, user_errors

app = typer.Typer(no_args_is_help=True)
holds_app = typer.Typer(no_args_is_help=True)
scenario_app = typer.Typer(no_args_is_help=True)
warnings_app = typer.Typer(no_args_is_help=True)
labels_app = typer.Typer(no_args_is_help=True)
merchants_app = typer.Typer(no_args_is_help=True)
app.add_typer(holds_app, name="holds", help="止付、冻结、续期、解冻、返还")
app.add_typer(scenario_app, name="scenario", help="场景版本：查看、草稿、发布、影子、回测")
app.add_typer(warnings_app, name="warnings", help="预警劝阻：单位、预警、统计")
app.add_typer(labels_app, name="labels", help="回测标注：导入（诈骗/正常）")
app.add_typer(merchants_app, name="merchants", help="商户登记：付款页面域名、IP、订单有效期（网上支付核验）")


def _runtime() -> TransferRuntime:
    from qiandai.store.database import make_engine, session_factory
    from qiandai.store.migrate import upgrade
    from qiandai.transfers.runtime import TransferRuntime as Runtime

    upgrade()
    return Runtime(session_factory(make_engine()))


def _factory() -> sessionmaker[Session]:
    from qiandai.store.database import make_engine, session_factory
    from qiandai.store.migrate import upgrade

    upgrade()
    return session_factory(make_engine())


def _print(data: object) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False, default=str))


@app.command("replay")
def replay(
    folder: Annotated[Path, typer.Argument(help="生成的数据目录（transfers.parquet、lists.parquet）")],
    out: Annotated[Path, typer.Option("--out", help="输出目录（decisions.parquet）")],
) -> None:
    """按时间顺序把每笔转账送入实时引擎（时点正确），输出决策。"""
    from qiandai.transfers.replay import replay as run

    with user_errors(), progress_bar("重放") as update:
        report = run(folder, out, progress=lambda done, total: update("重放", done, total))
    console.print(f"已决策 {report.transfers:,} 笔，用时 {report.seconds:.1f} 秒（{report.rate:,.0f} 笔/秒）")
    console.print("、".join(f"{k} {v:,}" for k, v in report.decisions.items()))
    console.print(f"输出：{report.out / 'decisions.parquet'}")


@app.command("evaluate")
def evaluate(
    out: Annotated[Path, typer.Argument(help="replay 的输出目录")],
    truth: Annotated[Path, typer.Option("--truth", help="truth.parquet")],
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    include_warmup: Annotated[bool, typer.Option("--include-warmup", help="包含预热期")] = False,
) -> None:
    """按诈骗类型和总体输出精确率、召回率和挽回金额（拦截或延迟的诈骗资金）。"""
    from qiandai.transfers.evaluate import evaluate as run
    from qiandai.transfers.evaluate import summary_lines

    with user_errors():
        report = run(out, truth, include_warmup)
    if as_json:
        _print(report)
        return
    for line in summary_lines(report):
        console.print(line)


@app.command("decide")
def decide(file: Annotated[Path, typer.Argument(help="一笔转账的 JSON 文件")]) -> None:
    """对一笔转账作出决策（写入数据库）。"""
    from qiandai.transfers.model import parse_transfer

    with user_errors():
        transfer = parse_transfer(json.loads(file.read_text(encoding="utf-8")))
        rt = _runtime()
        try:
            _print(rt.decide(transfer))
        finally:
            rt.close()


@holds_app.command("apply")
def hold_apply(
    file: Annotated[Path, typer.Argument(help="公安指令 JSON（紧急止付/快速冻结/续期/解冻/返还）")],
) -> None:
    """执行公安指令；写入数据库后才确认；同一指令编号重复提交只执行一次。"""
    from pydantic import ValidationError

    from qiandai.domain.errors import InvalidInputError
    from qiandai.transfers.hold_service import HoldInstruction

    with user_errors():
        try:
            instruction = HoldInstruction.model_validate_json(file.read_text(encoding="utf-8"))
        except ValidationError as exc:
            raise InvalidInputError("指令有误：" + "；".join(str(e["msg"]) for e in exc.errors())) from None
        rt = _runtime()
        try:
            _print(rt.apply_hold(instruction))
        finally:
            rt.close()


@holds_app.command("show")
def hold_show(account: Annotated[str, typer.Argument(help="账号")]) -> None:
    """查询账号上的止付/冻结。"""
    from qiandai.store.database import unit_of_work
    from qiandai.transfers import hold_service

    with user_errors(), unit_of_work(_factory()) as s:
        _print([hold_service.hold_view(h) for h in hold_service.holds_for_account(s, account)])


@holds_app.command("expire")
def hold_expire() -> None:
    """把已到期的止付/冻结标记为到期（并记录）。"""
    rt = _runtime()
    try:
        console.print(f"到期解除 {len(rt.expire_holds())} 条")
    finally:
        rt.close()


@app.command("list-add")
def list_add(
    kind: Annotated[str, typer.Argument(help="case_account / fraud_phone / punished / allow")],
    values: Annotated[list[str], typer.Argument(help="账号或号码")],
    source: Annotated[str, typer.Option(help="来源")] = "",
) -> None:
    """把账号或号码加入名单（立即生效）。"""
    from qiandai.transfers.lists import ListKind

    with user_errors():
        rt = _runtime()
        try:
            console.print(f"新增 {rt.add_to_list(ListKind(kind), values, source)} 条")
        finally:
            rt.close()


@warnings_app.command("unit")
def unit_add(code: str, name: str, kind: str, region: str) -> None:
    """登记责任单位：编码 名称 类型（反诈中心/派出所/社区/村网格） 行政区划代码。"""
    from qiandai.store.database import unit_of_work
    from qiandai.transfers import warning_service
    from qiandai.transfers.warnings import Unit

    with user_errors(), unit_of_work(_factory()) as s:
        warning_service.put_unit(s, Unit(code, name, kind, region))
    console.print(f"已登记 {name}（{region}）")


@warnings_app.command("list")
def warnings_list(
    status: Annotated[str | None, typer.Option(help="open / contacting / closed")] = None,
) -> None:
    """列出预警（个人信息已脱敏）。"""
    from qiandai.identity.principal import SYSTEM
    from qiandai.store.database import unit_of_work
    from qiandai.transfers import warning_service
    from qiandai.transfers.warnings import WarningStatus

    with user_errors(), unit_of_work(_factory()) as s:
        rows = warning_service.list_warnings(s, SYSTEM, WarningStatus(status) if status else None)
        _print([warning_service.warning_view(r) for r in rows])


@warnings_app.command("stats")
def warnings_stats() -> None:
    """按单位统计预警数量、时限内联系率和处置结果。"""
    from qiandai.identity.principal import SYSTEM
    from qiandai.store.base import now_utc
    from qiandai.store.database import unit_of_work
    from qiandai.transfers import warning_service

    with user_errors(), unit_of_work(_factory()) as s:
        _print(warning_service.statistics(s, SYSTEM, now_utc()))


@scenario_app.command("show")
def scenario_show() -> None:
    """列出场景版本（生效、草稿、影子）。"""
    from qiandai.store.database import unit_of_work
    from qiandai.transfers import scenario_store

    with user_errors(), unit_of_work(_factory()) as s:
        for v, shadow in scenario_store.versions(s):
            flag = "（影子）" if shadow else ""
            console.print(
                f"{v.label}  {v.status.value}{flag}  规则 {len(v.rules)} 条  阈值 {v.thresholds.model_dump()}"
            )


@scenario_app.command("draft")
def scenario_draft(note: Annotated[str, typer.Option(help="说明")] = "") -> None:
    """以生效版本为基础新建草稿。"""
    from qiandai.store.database import unit_of_work
    from qiandai.transfers import scenario_store
    from qiandai.transfers.scenario import DEFAULT_SCENARIO

    with user_errors(), unit_of_work(_factory()) as s:
        console.print(f"已新建草稿 {scenario_store.create_draft(s, DEFAULT_SCENARIO, note=note).label}")


@scenario_app.command("set-rule")
def scenario_set_rule(version: int, file: Annotated[Path, typer.Argument(help="规则 JSON")]) -> None:
    """在草稿中新增或替换一条规则。"""
    from qiandai.store.database import unit_of_work
    from qiandai.transfers import scenario_store
    from qiandai.transfers.scenario import DEFAULT_SCENARIO, ScenarioRule

    with user_errors(), unit_of_work(_factory()) as s:
        rule = ScenarioRule.model_validate_json(file.read_text(encoding="utf-8"))
        console.print(f"已更新 {scenario_store.put_rule(s, DEFAULT_SCENARIO, version, rule).label}")


@scenario_app.command("publish")
def scenario_publish(version: int) -> None:
    """发布草稿（运行中的服务在 30 秒内切换到新版本）。"""
    from qiandai.store.database import unit_of_work
    from qiandai.transfers import scenario_store
    from qiandai.transfers.scenario import DEFAULT_SCENARIO

    with user_errors(), unit_of_work(_factory()) as s:
        console.print(f"已发布 {scenario_store.publish(s, DEFAULT_SCENARIO, version).label}")


@scenario_app.command("shadow")
def scenario_shadow(version: Annotated[int, typer.Argument(help="版本号；0 表示取消影子")]) -> None:
    """设置影子版本。"""
    from qiandai.store.database import unit_of_work
    from qiandai.transfers import scenario_store
    from qiandai.transfers.scenario import DEFAULT_SCENARIO

    with user_errors(), unit_of_work(_factory()) as s:
        scenario_store.set_shadow(s, DEFAULT_SCENARIO, version or None)
    console.print("已设置" if version else "已取消影子版本")


@scenario_app.command("backtest")
def scenario_backtest(version: int) -> None:
    """用已存储的历史决策（含当时的特征）回测某一版本。"""
    from qiandai.store.database import unit_of_work
    from qiandai.transfers import backtest, scenario_store
    from qiandai.transfers.scenario import DEFAULT_SCENARIO

    with user_errors(), unit_of_work(_factory()) as s:
        _print(backtest.backtest_stored(s, scenario_store.get(s, DEFAULT_SCENARIO, version)).as_dict())


@scenario_app.command("shadow-report")
def scenario_shadow_report() -> None:
    """影子版本与生效版本的决策对比（有标注时给出双方的精确率、召回率）。"""
    from qiandai.store.database import unit_of_work
    from qiandai.transfers import backtest

    with user_errors(), unit_of_work(_factory()) as s:
        _print(backtest.shadow_report(s))


@labels_app.command("import")
def labels_import(
    file: Annotated[Path, typer.Argument(help="CSV：transfer_id, label(fraud/normal)[, fraud_type]")],
    source: Annotated[str, typer.Option(help="来源说明（缺省为文件名）")] = "",
) -> None:
    """导入回测标注：按转账编号写入（重复导入不变，修正的标注覆盖旧值）；错误行列出行号和原因。"""
    from qiandai.store.database import unit_of_work
    from qiandai.transfers import labels

    with user_errors(), unit_of_work(_factory()) as s:
        report = labels.import_csv(s, file, source)
    console.print(report.summary())
    for row, reason in report.errors[:200]:
        console.print(f"  第 {row} 行：{reason}")
    if len(report.errors) > 200:
        console.print(f"  …… 另有 {len(report.errors) - 200:,} 行错误未列出")
    if report.errors:
        raise typer.Exit(code=1)


@merchants_app.command("add")
def merchants_add(
    merchant_id: Annotated[str, typer.Argument(help="商户编号")],
    name: Annotated[str, typer.Option(help="商户名称")],
    domain: Annotated[list[str], typer.Option(help="登记域名（可多次）")],
    ip: Annotated[list[str] | None, typer.Option(help="登记 IP 或 CIDR（可多次）")] = None,
    validity: Annotated[int, typer.Option(help="订单有效期（秒）")] = 900,
    confirm_amount: Annotated[float, typer.Option(help="二次确认金额门槛（元）")] = 5000.0,
    strict_ip: Annotated[bool, typer.Option(help="IP 不符时直接拦截")] = False,
) -> None:
    """登记或更新商户（与 qiandai texts merchants add 写同一登记文件）。"""
    from qiandai.transfers import merchant_registry

    with user_errors():
        merchant_registry.put_merchant(
            merchant_id,
            name=name,
            domains=domain,
            ip_networks=ip,
            validity_seconds=validity,
            confirm_amount=confirm_amount,
            strict_ip=strict_ip,
        )
    console.print(f"已登记商户 {merchant_id}")


@merchants_app.command("list")
def merchants_list() -> None:
    """列出已登记商户。"""
    from qiandai.transfers import merchant_registry

    with user_errors():
        _print(merchant_registry.list_merchants())


@merchants_app.command("remove")
def merchants_remove(merchant_id: Annotated[str, typer.Argument(help="商户编号")]) -> None:
    """注销商户登记。"""
    from qiandai.transfers import merchant_registry

    with user_errors():
        merchant_registry.remove_merchant(merchant_id)
    console.print(f"已注销商户 {merchant_id}")


def datagen(
    out: Annotated[Path, typer.Option("--out", help="输出目录")],
    customers: Annotated[int, typer.Option("--customers", min=50, help="客户数")] = 2000,
    days: Annotated[int, typer.Option("--days", min=16, help="天数（前 14 天为预热期）")] = 30,
    seed: Annotated[int, typer.Option("--seed", help="随机种子")] = 7,
) -> None:
    """生成带标注的合成转账数据：正常行为与十类高发诈骗、资金链。"""
    from qiandai.datagen.transfers import generate_transfers

    with user_errors(), console.status("正在生成合成转账数据…"):
        report = generate_transfers(out, customers=customers, days=days, seed=seed)
    for line in report.summary_lines():
        console.print(line)


app.command("datagen")(datagen)
