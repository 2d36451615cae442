"""`qiandai rules …`: rule-set versions (draft → publish; published versions are immutable)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from qiandai import settings
from qiandai.claims.rulesets import DEFAULT_RULE_SET, claims_rule_store
from qiandai.cli.common import console, user_errors
from qiandai.domain.errors import RuleDefinitionError

app = typer.Typer(no_args_is_help=True)
RuleSetOption = Annotated[str, typer.Option("--rule-set", help="规则集")]


@app.command("versions")
def versions(rule_set: RuleSetOption = DEFAULT_RULE_SET) -> None:
    """列出规则集的所有版本。"""
    with user_errors():
        found = claims_rule_store(settings.rulesets_path()).versions(rule_set)
    table = Table("版本", "状态", "创建时间", "发布时间", "基于", "规则数", "说明")
    for v in found:
        table.add_row(
            str(v.version),
            "已发布" if v.status == "published" else "草稿",
            f"{v.created_at:%Y-%m-%d %H:%M}",
            f"{v.published_at:%Y-%m-%d %H:%M}" if v.published_at else "",
            str(v.based_on or ""),
            str(len(v.rules)),
            v.note,
        )
    console.print(table)


@app.command("show")
def show(
    rule_set: RuleSetOption = DEFAULT_RULE_SET,
    version: Annotated[int | None, typer.Option("--version")] = None,
) -> None:
    """显示某一版本的规则：编码、名称、模板、知识表、参数、结果类型。"""
    with user_errors():
        v = claims_rule_store(settings.rulesets_path()).get(rule_set, version)
    table = Table(
        "规则标识", "编码", "名称", "结果类型", "场景", "模板", "知识表", "参数", "启用", title=v.label
    )
    for r in v.rules:
        table.add_row(
            r.rule_id,
            r.code,
            r.name,
            str(r.result_type),
            str(r.scene),
            r.template,
            r.knowledge or "",
            json.dumps(r.params, ensure_ascii=False),
            "是" if r.enabled else "否",
        )
    console.print(table)


@app.command("draft")
def draft(
    rule_set: RuleSetOption = DEFAULT_RULE_SET,
    based_on: Annotated[int | None, typer.Option("--based-on", help="基于哪个版本（默认最新已发布）")] = None,
    note: Annotated[str, typer.Option("--note", help="草稿说明")] = "",
) -> None:
    """基于已发布版本新建草稿。"""
    with user_errors():
        v = claims_rule_store(settings.rulesets_path()).create_draft(rule_set, based_on=based_on, note=note)
    console.print(f"已创建草稿 {v.label}（基于第 {v.based_on} 版）")


@app.command("set")
def set_param(
    version: Annotated[int, typer.Option("--version", help="草稿版本号")],
    rule_id: Annotated[str, typer.Argument(help="规则标识")],
    assignments: Annotated[list[str], typer.Argument(help="参数赋值，如 max_gap_days=10 或 enabled=false")],
    rule_set: RuleSetOption = DEFAULT_RULE_SET,
) -> None:
    """修改草稿中某条规则的参数（值按 JSON 解析）或启用状态。"""
    with user_errors():
        store = claims_rule_store(settings.rulesets_path())
        rule = store.get(rule_set, version).rule(rule_id)
        params = dict(rule.params)
        enabled = rule.enabled
        for item in assignments:
            if "=" not in item:
                raise RuleDefinitionError(f"参数赋值应形如 名称=值，实际为「{item}」")
            key, raw = item.split("=", 1)
            try:
                value = json.loads(raw)
            except json.JSONDecodeError:
                value = raw
            if key == "enabled":
                enabled = bool(value)
            else:
                params[key] = value
        updated = store.update_rule(
            rule_set, version, rule.model_copy(update={"params": params, "enabled": enabled})
        )
    console.print(f"已更新 {updated.label} 的规则 {rule_id}：{json.dumps(params, ensure_ascii=False)}")


@app.command("publish")
def publish(
    version: Annotated[int, typer.Option("--version", help="要发布的草稿版本号")],
    rule_set: RuleSetOption = DEFAULT_RULE_SET,
) -> None:
    """发布草稿；发布后不可修改。"""
    with user_errors():
        v = claims_rule_store(settings.rulesets_path()).publish(rule_set, version)
    console.print(f"已发布 {v.label}")
