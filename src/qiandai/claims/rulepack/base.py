"""Registry of rule templates and the helper that shapes a compiler's output."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from qiandai.claims.context import EPOCH, MONEY, AuditContext
from qiandai.rules.model import RuleDefinition
from qiandai.rules.registry import Registry

Compiler = Callable[[AuditContext, RuleDefinition], ir.Table]

TEMPLATES: Registry[Compiler] = Registry("规则模板")

NO_FEE_IDS = ibis.literal([], type="array<string>")
NO_KP = ibis.null("string")


def emit(
    t: ir.Table,
    *,
    mdtrt_id: ir.StringValue,
    kp_id: ir.StringValue,
    fee_ids: ir.ArrayValue,
    amount: ir.NumericValue,
    evidence: ir.StringValue,
    event_day: ir.IntegerValue,
    fixmedins_code: ir.StringValue | None = None,
) -> ir.Table:
    """Project ``t`` onto the standard rule output columns.

    ``fixmedins_code`` is for findings whose ``mdtrt_id`` is not a visit (stock findings
    ``STOCK:…``, sale keys): the audit takes the institution from the visit when there is one and
    from this column otherwise.
    """
    return t.select(
        mdtrt_id=mdtrt_id,
        kp_id=kp_id.cast("string"),
        fee_ids=fee_ids,
        amount=amount.cast(MONEY),
        evidence=evidence,
        event_date=(EPOCH + event_day.as_interval("D")).cast("date"),
        fixmedins_code=ibis.null("string") if fixmedins_code is None else fixmedins_code.cast("string"),
    )


def sorted_collect(value: ir.Column, *, distinct: bool = False) -> ir.ArrayValue:
    """The group's non-NULL values of ``value`` as an ascending array (optionally without repeats).

    The portable form of ``value.collect(order_by=value)``: Spark has no order-sensitive aggregate, so
    the values are collected and the array sorted, which gives the same array on every engine. A group
    without any non-NULL value gives NULL on every engine (DuckDB's ``list`` does; Spark's
    ``collect_list`` would give ``[]``).
    """
    values = value.collect(distinct=distinct).sort()
    return ibis.cases((value.count() > 0, values), else_=ibis.null(dt.Array(value.type())))


def group_lines(t: ir.Table, keys: Sequence[str], **more: ir.Value) -> ir.Table:
    """Group fee lines by ``keys`` into the usual finding columns.

    Adds ``fee_ids`` (the lines' ``bkkp_sn``, sorted), ``amount`` (their sum) and ``first_day`` (the
    earliest fee day), plus any extra aggregations in ``more``.
    """
    return t.group_by(list(keys)).aggregate(
        fee_ids=sorted_collect(t.bkkp_sn),
        amount=t.amount.sum(),
        first_day=t.fee_day.min(),
        **more,
    )


def text(value: ir.Value) -> ir.StringValue:
    """Cast any value to its text form for evidence sentences."""
    return value.cast("string")


def money_text(value: ir.NumericValue) -> ir.StringValue:
    """Render an amount with two decimals."""
    return value.cast(MONEY).cast("string")
