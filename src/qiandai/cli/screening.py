"""`qiandai screening`: card crackdown (断卡) screening of accounts and SIM cards, punishment lists and
account-opening checks."""

from __future__ import annotations

import typer

from qiandai.cli import cards, simcards

app = typer.Typer(no_args_is_help=True, help="断卡筛查：涉诈账户、涉诈电话卡、惩戒名单、开户核验")
app.add_typer(simcards.app, name="sim", help="涉诈电话卡筛查：训练、评分、评估（通话/短信详单）")
app.add_typer(cards.mules_app, name="accounts", help="涉诈账户筛查：运行、评估、查看批次")
app.add_typer(cards.punish_app, name="punish", help="惩戒名单：列入、追加账户、申诉、到期处理")
app.add_typer(cards.opening_app, name="opening", help="开户核验：五步核验与数据导入")
