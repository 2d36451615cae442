"""The `qiandai` command line: thin commands that parse, call a service and present."""

from __future__ import annotations

import typer

from qiandai import __version__
from qiandai.cli import (
    claims,
    config,
    datagen,
    demo,
    governance,
    kb,
    rules,
    screening,
    serve,
    simcards,
    supervision,
    texts,
    transfers,
)

app = typer.Typer(no_args_is_help=True, help="钱袋 Qiandai 反欺诈监管平台", add_completion=False)
app.add_typer(claims.app, name="claims", help="医保智能审核：审核、评估")
app.add_typer(datagen.app, name="datagen", help="生成带标注的合成数据")
app.add_typer(kb.app, name="kb", help="两库知识库：加载、查询、历史")
app.add_typer(rules.app, name="rules", help="规则集版本：查看、草稿、发布")
app.add_typer(config.app, name="config", help="配置：查看（密钥隐藏）、校验、生成参考文档")
app.add_typer(serve.db_app, name="db", help="数据库：迁移、状态、备份、恢复")
app.add_typer(supervision.app, name="supervision", help="医保基金监管：用户、疑点导入、双随机抽取、信用评价")
app.add_typer(transfers.app, name="transfers", help="反电诈资金拦截：决策、止付冻结、预警劝阻、回放评估")
datagen.app.command("transfers")(transfers.datagen)
datagen.app.command("cdr")(simcards.datagen_cdr)
app.add_typer(texts.app, name="texts", help="诈骗识别：手法知识库、文本/链接/支付页检查、训练评估、案件分类")
app.add_typer(screening.app, name="screening", help="断卡筛查：涉诈账户、涉诈电话卡、惩戒名单、开户核验")
app.add_typer(
    governance.app,
    name="governance",
    help="反诈治理：单位、案件统计、无诈评价、App推广、宣传、重点人员、通报",
)
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)


@app.command()
def version() -> None:
    """显示版本号。"""
    typer.echo(__version__)


if __name__ == "__main__":
    app()
