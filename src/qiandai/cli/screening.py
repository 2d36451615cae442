"""`qiandai screening`: card crackdown (断卡) screening of accounts and SIM cards, punishment lists and
account-opening checks. Each sub-area contributes its own Typer app, added here."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="断卡筛查：涉诈账户、涉诈电话卡、惩戒名单、开户核验")
