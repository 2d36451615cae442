"""`qiandai screening accounts|punish|opening …`: mule-account screening, punishment list, account-opening
checks (the bank-account side of 断卡).

Commands that touch the database use ``QIANDAI_DATABASE_URL`` (default: SQLite in ``$QIANDAI_HOME``),
migrated first, and run as the operator. Personal data are masked in every output.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qiandai.cli.common import console, user_errors
from qiandai.cli.engine_options import EngineOpt, SparkMasterOpt

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

mules_app = typer.Typer(no_args_is_help=True, help="涉诈账户筛查：运行、评估、查看批次")
punish_app = typer.Typer(no_args_is_help=True, help="惩戒名单：列入、追加账户、申诉、到期处理")
opening_app = typer.Typer(no_args_is_help=True, help="开户核验：五步核验、导入已开账户与运营商实名信息")
OPERATOR = "operator"


def _factory() -> sessionmaker[Session]:
    from qiandai.store.database import make_engine, session_factory
    from qiandai.store.migrate import upgrade

    upgrade()
    return session_factory(make_engine())


def _print(data: object) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False, default=str))


def _as_of(value: str | None) -> datetime | None:
    from qiandai.domain.errors import InvalidInputError

    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInputError(f"--as-of 时间格式错误：{value}（例：2025-01-31T23:59:59+08:00）") from exc
    if parsed.tzinfo is None:
        raise InvalidInputError("--as-of 需带时区（例：2025-01-31T23:59:59+08:00）")
    return parsed


# -- accounts ------------------------------------------------------------------------------------------
@mules_app.command("run")
def run(
    transfers: Annotated[
        Path | None,
        typer.Option(
            "--transfers", help="转账文件或目录（Parquet/CSV，datagen 格式）；不填则筛查已存储的转账"
        ),
    ] = None,
    publish: Annotated[
        bool, typer.Option("--publish", help="把高风险账户发布到实时决策的高风险账户名单")
    ] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="只用此时间之前的转账（ISO 时间，带时区）")
    ] = None,
    show: Annotated[int, typer.Option("--show", help="显示前 N 个高风险账户")] = 10,
    engine: EngineOpt = "duckdb",
    spark_master: SparkMasterOpt = None,
) -> None:
    """筛查涉诈（跑分/过账）账户：资金快进快出、停留时间、多对一/一对多、共用设备，以及关联网络。"""
    from qiandai.batch.engines import check_engine
    from qiandai.cards import runs
    from qiandai.domain.masking import mask_code
    from qiandai.store.database import unit_of_work

    with user_errors():
        cutoff = _as_of(as_of)
        engine = check_engine(engine)
        with unit_of_work(_factory()) as session:
            outcome = runs.run_and_store(
                session,
                path=transfers,
                as_of=cutoff,
                publish=publish,
                engine=engine,
                spark_master=spark_master,
            )
        for line in outcome.summary_lines():
            console.print(line)
        top = outcome.result.accounts.head(show)
        for row in top[top["grade"] == "高"].to_dict("records"):
            reasons = "；".join(row["reasons"])
            console.print(f"  [高 {row['score']}] {mask_code(str(row['account']))}：{reasons}")
        if publish:
            console.print("提示：运行中的决策服务在重启或名单管理页面变更后载入新名单；API 发布会立即生效。")


@mules_app.command("evaluate")
def evaluate(
    transfers: Annotated[Path, typer.Option("--transfers", help="datagen 生成的转账文件或目录")],
    truth: Annotated[Path, typer.Option("--truth", help="datagen 的 truth.parquet（或其目录）")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="只用此时间之前的转账和标注")] = None,
    engine: EngineOpt = "duckdb",
    spark_master: SparkMasterOpt = None,
) -> None:
    """对照生成数据的跑分账户标注，报告精确率、召回率、F1 与评分 AUC（规则评分，全量评估）。"""
    from qiandai.batch.engines import check_engine
    from qiandai.cards import evaluate as ev
    from qiandai.cards import runs

    with user_errors():
        cutoff = _as_of(as_of)
        loaded, result = runs.run_from_file(
            transfers, as_of=cutoff, engine=check_engine(engine), spark_master=spark_master
        )
        mules = ev.mule_accounts(transfers, truth, cutoff)
        for line in [*loaded.summary_lines(), *ev.evaluate(result, mules).summary_lines()]:
            console.print(line)


@mules_app.command("runs")
def list_runs() -> None:
    """列出筛查批次。"""
    from qiandai.api.cards import run_view
    from qiandai.cards import runs
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        _print([run_view(r) for r in runs.list_runs(session)])


@mules_app.command("show")
def show_run(
    run_id: Annotated[str, typer.Argument(help="筛查批次编号")],
    grade: Annotated[str | None, typer.Option("--grade", help="高 / 中 / 低")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 50,
) -> None:
    """查看筛查批次的账户（脱敏）与关联网络。"""
    from qiandai.api.cards import account_view, run_view
    from qiandai.cards import runs
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        run = runs.get_run(session, run_id)
        _print(
            {
                **run_view(run),
                "accounts": [account_view(a) for a in runs.run_accounts(session, run_id, grade, limit)],
                "networks": [
                    {
                        "network_id": n.network_id,
                        "size": n.size,
                        "high": n.high,
                        "flow_internal": n.flow_internal,
                    }
                    for n in runs.run_networks(session, run_id)
                ],
            }
        )


# -- punishment list -----------------------------------------------------------------------------------
@punish_app.command("add")
def punish_add(
    id_number: Annotated[str, typer.Option("--id-number", help="身份证号")],
    name: Annotated[str, typer.Option("--name", help="姓名")],
    basis: Annotated[str, typer.Option("--basis", help="designated（公安认定）/ convicted（判决）")],
    document_ref: Annotated[str, typer.Option("--document", help="认定/判决文书编号")],
    start: Annotated[str, typer.Option("--start", help="起始日 YYYY-MM-DD")],
    account: Annotated[list[str] | None, typer.Option("--account", help="名下账户（可重复）")] = None,
    years: Annotated[int | None, typer.Option("--years", help="期限（年）")] = None,
    unit: Annotated[str, typer.Option("--unit", help="认定单位")] = "",
) -> None:
    """列入惩戒名单（账户同步加入实时决策的惩戒名单）。"""
    from qiandai.cards import punishment
    from qiandai.domain.errors import InvalidInputError
    from qiandai.store.database import unit_of_work

    with user_errors():
        try:
            b = punishment.Basis(basis)
            start_date = date.fromisoformat(start)
        except ValueError as exc:
            raise InvalidInputError(
                f"参数错误：--basis 应为 designated 或 convicted，--start 应为 YYYY-MM-DD（{exc}）"
            ) from exc
        with unit_of_work(_factory()) as session:
            person, created = punishment.designate(
                session,
                punishment.Designation(
                    id_number, name, account or [], b, document_ref, start_date, years, unit
                ),
                actor=OPERATOR,
            )
            view = punishment.person_view(person)
        console.print(("已列入惩戒名单" if created else "该记录已存在（未重复列入）") + f"：{view['id']}")
        _print(view)


@punish_app.command("list")
def punish_list(
    status: Annotated[str | None, typer.Option("--status", help="active / expired / removed")] = None,
) -> None:
    """列出惩戒名单（脱敏）。"""
    from qiandai.cards import punishment
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        _print([punishment.person_view(p) for p in punishment.list_persons(session, status)])


@punish_app.command("add-accounts")
def punish_add_accounts(
    person_id: Annotated[str, typer.Argument(help="惩戒名单记录编号")],
    account: Annotated[list[str], typer.Option("--account", help="账户（可重复）")],
) -> None:
    """为惩戒人员追加账户。"""
    from qiandai.cards import punishment
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        added = punishment.add_accounts(session, person_id, account, actor=OPERATOR)
    console.print(f"追加账户 {added} 个")


@punish_app.command("appeal")
def punish_appeal(
    person_id: Annotated[str, typer.Argument(help="惩戒名单记录编号")],
    reason: Annotated[str, typer.Option("--reason", help="申诉理由")],
) -> None:
    """登记申诉。"""
    from qiandai.cards import punishment
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        appeal, created = punishment.file_appeal(session, person_id, reason, actor=OPERATOR)
        console.print(("已登记申诉 " if created else "已有待处理的申诉 ") + appeal.id)


@punish_app.command("decide")
def punish_decide(
    appeal_id: Annotated[str, typer.Argument(help="申诉编号")],
    upheld: Annotated[bool, typer.Option("--upheld/--rejected", help="申诉成立（移出名单）或驳回")],
    note: Annotated[str, typer.Option("--note", help="处理意见")],
) -> None:
    """处理申诉：成立则移出惩戒名单并撤回账户。"""
    from qiandai.cards import punishment
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        appeal = punishment.decide_appeal(session, appeal_id, upheld=upheld, note=note, actor=OPERATOR)
        console.print(f"申诉 {appeal.id}：{punishment.APPEAL_LABELS[appeal.status]}")


@punish_app.command("expire")
def punish_expire(
    today: Annotated[str | None, typer.Option("--today", help="按此日期处理（YYYY-MM-DD）")] = None,
) -> None:
    """处理到期的惩戒名单：状态改为已到期，账户移出实时决策的惩戒名单（可由定时任务每日执行）。"""
    from qiandai.cards import punishment
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        expired = punishment.expire_due(
            session, today=date.fromisoformat(today) if today else None, actor=OPERATOR
        )
    console.print(f"到期处理：{len(expired)} 条" + (f"（{'、'.join(expired)}）" if expired else ""))


# -- account opening -----------------------------------------------------------------------------------
@opening_app.command("check")
def opening_check(
    id_number: Annotated[str, typer.Option("--id-number", help="身份证号")],
    name: Annotated[str, typer.Option("--name", help="姓名")],
    phone: Annotated[str, typer.Option("--phone", help="预留手机号")],
    bank: Annotated[str, typer.Option("--bank", help="开户银行")],
    purpose: Annotated[str, typer.Option("--purpose", help="开户用途")] = "",
    request_id: Annotated[
        str | None, typer.Option("--request-id", help="请求编号（重复提交返回同一结果）")
    ] = None,
) -> None:
    """开户核验：身份、名单、手机号实名、账户数量、开户用途，给出 允许 / 拒绝 / 需柜面核实。"""
    from qiandai.cards import opening
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        row, _ = opening.check(
            session, opening.OpeningRequest(id_number, name, phone, purpose, bank, request_id), actor=OPERATOR
        )
        view = opening.view(row)
    console.print(f"核验结果：{view['outcome']}")
    for reason in view["reasons"]:
        console.print(f"  - {reason}")


def _csv_rows(path: Path, columns: tuple[str, ...]) -> list[tuple[str, ...]]:
    from qiandai.domain.errors import InputFileError

    if not path.exists():
        raise InputFileError(str(path), "文件不存在")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise InputFileError(str(path), f"缺少必需列：{', '.join(missing)}")
        rows: list[tuple[str, ...]] = []
        bad: list[str] = []
        for i, rec in enumerate(reader, start=2):
            values = tuple((rec.get(c) or "").strip() for c in columns)
            if all(values):
                rows.append(values)
            else:
                bad.append(str(i))
    if bad:
        console.print(f"跳过 {len(bad)} 行（必填列为空）：第 {'、'.join(bad[:20])} 行")
    return rows


@opening_app.command("import-holdings")
def import_holdings(path: Annotated[Path, typer.Argument(help="CSV：account,id_number,bank")]) -> None:
    """导入已开立账户（用于账户数量核验）。"""
    from qiandai.cards import opening
    from qiandai.store.database import unit_of_work

    with user_errors():
        rows = _csv_rows(path, ("account", "id_number", "bank"))
        with unit_of_work(_factory()) as session:
            added = opening.add_holdings(session, [(r[0], r[1], r[2]) for r in rows])
    console.print(f"导入已开立账户 {added} 个（已存在的 {len(rows) - added} 个未变）")


@opening_app.command("import-realnames")
def import_realnames(path: Annotated[Path, typer.Argument(help="CSV：phone,id_number,name")]) -> None:
    """导入运营商手机号实名信息（手机号实名核验）。"""
    from qiandai.cards import opening
    from qiandai.store.database import unit_of_work

    with user_errors():
        rows = _csv_rows(path, ("phone", "id_number", "name"))
        with unit_of_work(_factory()) as session:
            n = opening.add_realnames(session, [(r[0], r[1], r[2]) for r in rows])
    console.print(f"导入实名信息 {n} 条")
