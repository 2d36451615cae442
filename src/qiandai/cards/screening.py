"""Mule-account (涉诈“两卡”/跑分账户) screening over the transfers loaded in DuckDB table ``tx``.

Three stages, all vectorised:

1. **Account features** (one DuckDB query): money in/out, pass-through ratio, the share of money that
   left again within ``fast_minutes`` of arriving (an ASOF join of every outgoing transfer to the last
   incoming one before it) and the median dwell time, fan-in/fan-out, payer/payee relationships that
   began in the last ``recent_days`` (the account's very first one not counted), round amounts, and the
   largest number of accounts sharing a device, IP or phone with the account. Each rule that fires adds
   points and a Chinese reason (:data:`RULES`).
2. **Flow from suspicious accounts**: the share of each account's incoming money that came from
   accounts already suspicious after stage 1 (cash-out accounts have no outflow of their own).
3. **Networks** (:mod:`qiandai.cards.network`): the reduced graph of suspicious accounts only — money
   between them and shared devices/IPs/phones — split into connected components and Louvain
   communities, with each network's flow in/inside/out.

Grades: 高 ≥ ``high_score``, 中 ≥ ``medium_score``, else 低. The rules use only transfers up to the
screening's cut-off, so a run never sees the future.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import duckdb
import pandas as pd

from qiandai.batch.sql_engines import DuckDBEngine, SqlEngine, as_engine
from qiandai.cards.network import build_networks


@dataclass(frozen=True)
class ScreeningParams:
    """Thresholds of the screening (stored with every run)."""

    fast_minutes: int = 60
    min_amount: float = 3000.0
    recent_days: int = 7
    new_counterparties: int = 8
    fan: int = 10
    share_min: int = 3
    high_score: int = 60
    medium_score: int = 30
    network_min_size: int = 3

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Rule:
    code: str
    points: int
    condition: str
    reason: str  # a DuckDB string expression


# Stage-1 rules over the feature columns (f_*). Reasons are SQL expressions so that they carry numbers.
RULES: tuple[Rule, ...] = (
    Rule(
        "fast_pass_through",
        40,
        "f_in_amount >= {min_amount} AND f_fast_share >= 0.7",
        "'快进快出：' || CAST(round(f_fast_share * 100) AS INTEGER)"
        " || '% 的转入资金在 {fast_minutes} 分钟内转出'",
    ),
    Rule(
        "pass_through_ratio",
        15,
        "f_in_amount >= {min_amount} AND f_pass_ratio BETWEEN 0.8 AND 1.1",
        "'过账特征：转出金额为转入的 ' || CAST(round(f_pass_ratio * 100) AS INTEGER) || '%，资金不留存'",
    ),
    Rule(
        "short_dwell",
        10,
        "f_out_count >= 2 AND f_dwell_median_min <= 30",
        "'资金停留时间短：中位 ' || CAST(round(f_dwell_median_min) AS INTEGER) || ' 分钟'",
    ),
    Rule(
        "fan_in",
        15,
        "f_fan_in >= {fan} AND f_fast_share >= 0.3",
        "'多对一归集：' || f_fan_in || ' 个付款方转入后快速转出'",
    ),
    Rule(
        "fan_out",
        10,
        "f_fan_out >= {fan} AND f_fast_share >= 0.3",
        "'一对多分散：快速转给 ' || f_fan_out || ' 个收款方'",
    ),
    Rule(
        "new_counterparties",
        10,
        "f_new_counterparties >= {new_counterparties}",
        "'近 {recent_days} 天新增交易对手 ' || f_new_counterparties || ' 个'",
    ),
    Rule(
        "round_amounts",
        10,
        "f_tx_count >= 4 AND f_round_share >= 0.5",
        "'整数金额交易占 ' || CAST(round(f_round_share * 100) AS INTEGER) || '%'",
    ),
    Rule(
        "shared_device",
        25,
        "f_device_accounts >= {share_min}",
        "'与其他账户共用设备：同一设备登录 ' || f_device_accounts || ' 个账户'",
    ),
    Rule(
        "shared_ip",
        15,
        "f_ip_accounts >= {share_min}",
        "'与其他账户共用 IP：同一 IP 登录 ' || f_ip_accounts || ' 个账户'",
    ),
    Rule(
        "shared_phone",
        15,
        "f_phone_accounts >= {share_min}",
        "'同一手机号关联 ' || f_phone_accounts || ' 个账户'",
    ),
)
FLOW_POINTS = 40
NETWORK_POINTS = 25

# Accounts, devices, IPs and phones are keyed by their 64-bit hash inside the queries (integer joins
# and groupings are several times faster than on 16-character strings); names are joined back at the end.
# (name, SELECT) in DuckDB's dialect; on Spark they are transpiled (qiandai.batch.sql_engines).
HASHED_TABLES: tuple[tuple[str, str], ...] = (
    (
        "txh",
        """SELECT hash(payer_account) AS src, hash(payee_account) AS dst, amount, ts,
  CASE WHEN device_id IS NULL THEN NULL ELSE hash(device_id) END AS dev,
  CASE WHEN ip IS NULL THEN NULL ELSE hash(ip) END AS ipk,
  CASE WHEN payer_phone IS NULL THEN NULL ELSE hash(payer_phone) END AS phk
FROM tx""",
    ),
    (
        "pairs",
        """SELECT src, dst, count(*) AS n, sum(amount) AS amt, min(ts) AS first_ts,
  count(*) FILTER (WHERE amount >= 1000 AND amount % 1000 = 0) AS n_round
FROM txh GROUP BY src, dst""",
    ),
    (
        "names",
        """SELECT hash(a) AS h, a AS account
  FROM (SELECT payer_account AS a FROM tx UNION SELECT payee_account FROM tx)""",
    ),
)

# The one engine-specific fragment of the features: for every outgoing transfer, the last incoming
# transfer of the same account at or before it. DuckDB has an ASOF join for this (fast); Spark SQL has
# none, so there it is a running "last incoming" over the account's events in time order (incoming
# before outgoing at the same second, as ``o.ts >= i.ts`` includes equal times). Both are DuckDB
# dialect; the window form is portable and is also checked on DuckDB by the parity suite.
DWELL_SQL: dict[str, str] = {
    "duckdb": """dwell AS (
  SELECT o.src AS h, median(o.ts - i.ts) / 60.0 AS dwell_median_min,
         sum(o.amount) FILTER (WHERE o.ts - i.ts <= {fast_minutes} * 60
                               AND o.amount BETWEEN i.amount * 0.5 AND i.amount * 1.05) AS fast_out
  FROM (SELECT src, ts, amount FROM txh) o
  ASOF JOIN (SELECT dst, ts, amount FROM txh) i ON o.src = i.dst AND o.ts >= i.ts
  GROUP BY o.src)""",
    "spark": """events AS (
  SELECT dst AS h, ts, amount, 0 AS side FROM txh
  UNION ALL SELECT src AS h, ts, amount, 1 AS side FROM txh),
marked AS (
  SELECT h, ts, amount, side,
    last_value(CASE WHEN side = 0 THEN ts END IGNORE NULLS) OVER w AS in_ts,
    last_value(CASE WHEN side = 0 THEN amount END IGNORE NULLS) OVER w AS in_amount
  FROM events
  WINDOW w AS (PARTITION BY h ORDER BY ts, side, amount ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
dwell AS (
  SELECT h, median(ts - in_ts) / 60.0 AS dwell_median_min,
         sum(amount) FILTER (WHERE ts - in_ts <= {fast_minutes} * 60
                             AND amount BETWEEN in_amount * 0.5 AND in_amount * 1.05) AS fast_out
  FROM marked WHERE side = 1 AND in_ts IS NOT NULL
  GROUP BY h)""",
}

FEATURES_SQL = """
WITH bounds AS (SELECT max(ts) AS t_end FROM txh),
inbound AS (
  SELECT dst AS h, sum(n) AS n_in, sum(amt) AS amt_in, sum(n_round) AS round_in, count(*) AS fan_in,
         count(*) FILTER (WHERE first_ts > (SELECT t_end FROM bounds) - {recent_days} * 86400) AS new_in,
         min(first_ts) AS first_in
  FROM pairs GROUP BY dst),
outbound AS (
  SELECT src AS h, sum(n) AS n_out, sum(amt) AS amt_out, sum(n_round) AS round_out, count(*) AS fan_out,
         count(*) FILTER (WHERE first_ts > (SELECT t_end FROM bounds) - {recent_days} * 86400) AS new_out,
         min(first_ts) AS first_out
  FROM pairs GROUP BY src),
{dwell},
payer_keys AS (SELECT DISTINCT src, dev, ipk, phk FROM txh),
dev AS (SELECT dev, count(DISTINCT src) AS n FROM payer_keys WHERE dev IS NOT NULL GROUP BY 1),
ipn AS (SELECT ipk, count(DISTINCT src) AS n FROM payer_keys WHERE ipk IS NOT NULL GROUP BY 1),
phn AS (SELECT phk, count(DISTINCT src) AS n FROM payer_keys WHERE phk IS NOT NULL GROUP BY 1),
shared AS (
  SELECT k.src AS h, max(d.n) AS dev_n, max(i.n) AS ip_n, max(p.n) AS phone_n
  FROM payer_keys k LEFT JOIN dev d USING (dev) LEFT JOIN ipn i USING (ipk) LEFT JOIN phn p USING (phk)
  GROUP BY k.src),
accounts AS (SELECT h FROM inbound UNION SELECT h FROM outbound)
SELECT a.h,
  coalesce(i.n_in, 0) AS f_in_count, coalesce(o.n_out, 0) AS f_out_count,
  coalesce(i.n_in, 0) + coalesce(o.n_out, 0) AS f_tx_count,
  coalesce(i.amt_in, 0) AS f_in_amount, coalesce(o.amt_out, 0) AS f_out_amount,
  CASE WHEN coalesce(i.amt_in, 0) > 0 THEN coalesce(o.amt_out, 0) / i.amt_in ELSE 0 END AS f_pass_ratio,
  CASE WHEN coalesce(i.amt_in, 0) > 0 THEN least(coalesce(d.fast_out, 0) / i.amt_in, 1.0) ELSE 0 END
    AS f_fast_share,
  coalesce(d.dwell_median_min, 1e9) AS f_dwell_median_min,
  coalesce(i.fan_in, 0) AS f_fan_in, coalesce(o.fan_out, 0) AS f_fan_out,
  coalesce(i.new_in, 0) + coalesce(o.new_out, 0)
    - CASE WHEN least(coalesce(i.first_in, 1e18), coalesce(o.first_out, 1e18))
                > (SELECT t_end FROM bounds) - {recent_days} * 86400 THEN 1 ELSE 0 END
    AS f_new_counterparties,
  CASE WHEN coalesce(i.n_in, 0) + coalesce(o.n_out, 0) > 0 THEN
    (coalesce(i.round_in, 0) + coalesce(o.round_out, 0)) / (coalesce(i.n_in, 0) + coalesce(o.n_out, 0))
    ELSE 0 END AS f_round_share,
  coalesce(sh.dev_n, 0) AS f_device_accounts, coalesce(sh.ip_n, 0) AS f_ip_accounts,
  coalesce(sh.phone_n, 0) AS f_phone_accounts
FROM accounts a
LEFT JOIN inbound i USING (h) LEFT JOIN outbound o USING (h) LEFT JOIN dwell d USING (h)
LEFT JOIN shared sh USING (h)
"""

FEATURE_COLUMNS = (
    "f_in_count",
    "f_out_count",
    "f_in_amount",
    "f_out_amount",
    "f_pass_ratio",
    "f_fast_share",
    "f_dwell_median_min",
    "f_fan_in",
    "f_fan_out",
    "f_new_counterparties",
    "f_round_share",
    "f_device_accounts",
    "f_ip_accounts",
    "f_phone_accounts",
    "f_from_suspicious_share",
)


@dataclass
class ScreeningResult:
    """Every screened account's score, grade and reasons, and the networks found."""

    accounts: (
        pd.DataFrame
    )  # account, score, grade, reasons (list[str]), f_* features, network_id, community_id
    networks: pd.DataFrame  # network_id, size, high, communities, flow_in, flow_internal, flow_out, links
    transfers: int
    params: ScreeningParams

    def count(self, grade: str) -> int:
        return int((self.accounts["grade"] == grade).sum())

    def high_accounts(self) -> list[str]:
        return sorted(self.accounts.loc[self.accounts["grade"] == "高", "account"].tolist())


def _rule_sql(params: ScreeningParams) -> tuple[str, str]:
    p = params.as_dict()
    points = " + ".join(f"(CASE WHEN {r.condition.format(**p)} THEN {r.points} ELSE 0 END)" for r in RULES)
    reasons = ", ".join(f"CASE WHEN {r.condition.format(**p)} THEN {r.reason.format(**p)} END" for r in RULES)
    return points, f"list_filter([{reasons}], lambda x: x IS NOT NULL)"


def features_sql(params: ScreeningParams, engine: str = "duckdb") -> str:
    """The account-feature query (over ``txh`` and ``pairs``) with ``engine``'s dwell fragment."""
    p = params.as_dict()
    return FEATURES_SQL.format(dwell=DWELL_SQL[engine].format(**p), **p)


def feature_tables(params: ScreeningParams, engine: str = "duckdb") -> list[tuple[str, str]]:
    """Stages 1 and 2 as (table, SELECT) in order: the hashed inputs, ``feat``, ``base`` and ``scored``.

    On DuckDB ``base`` carries the Chinese reasons (``base_reasons``); on Spark only the points — the
    reasons are formatted on the driver from the same rule definitions (:func:`_rule_sql`), where the
    networks are built, so that their number formatting is DuckDB's on both engines.
    """
    points, reasons = _rule_sql(params)
    with_reasons = f", {reasons} AS base_reasons" if engine == "duckdb" else ""
    scored = f"""WITH suspicious AS (SELECT h FROM base WHERE base_score >= {params.medium_score}),
        from_s AS (
          SELECT p.dst AS h, sum(p.amt) AS amt FROM pairs p SEMI JOIN suspicious s ON s.h = p.src GROUP BY 1),
        with_flow AS (
          SELECT b.*, CASE WHEN b.f_in_amount > 0 THEN coalesce(f.amt, 0) / b.f_in_amount ELSE 0 END
                   AS f_from_suspicious_share, coalesce(f.amt, 0) AS from_suspicious_amount
          FROM base b LEFT JOIN from_s f USING (h))
        SELECT *,
          CASE WHEN f_from_suspicious_share >= 0.5 AND from_suspicious_amount >= {params.min_amount}
               THEN {FLOW_POINTS} ELSE 0 END AS flow_points
        FROM with_flow"""
    return [
        *HASHED_TABLES,
        ("feat", features_sql(params, engine)),
        ("base", f"SELECT *, {points} AS base_score{with_reasons} FROM feat"),
        ("scored", scored),
    ]


def account_features(con: duckdb.DuckDBPyConnection | SqlEngine, params: ScreeningParams) -> None:
    """Stages 1 and 2: table ``scored`` with the features, the base score (and, on DuckDB, its reasons)."""
    engine = as_engine(con)
    for name, sql in feature_tables(params, engine.name):
        engine.create_table(name, sql)


def _driver_tables(engine: SqlEngine, params: ScreeningParams) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection on the driver with what the networks and the grading need from a Spark run.

    Collected: ``scored`` and ``names`` (one row per account — the result lists every account anyway),
    and only the part of ``pairs``/``txh`` that touches the suspicious accounts (the network nodes).
    Accounts are re-keyed with DuckDB's ``hash`` so that network and community numbering (which follow
    the hash order) are the same as a DuckDB run's.
    """
    _points, reasons = _rule_sql(params)
    engine.create_table(
        "net_nodes",
        f"SELECT h FROM scored WHERE base_score >= {params.medium_score} OR flow_points > 0",
    )
    frames = {
        "names_in": engine.frame("SELECT h AS hs, account FROM names"),
        "scored_in": engine.frame("SELECT * FROM scored"),
        "pairs_in": engine.frame(
            "SELECT p.* FROM pairs p SEMI JOIN net_nodes x ON x.h = p.src "
            "UNION SELECT p.* FROM pairs p SEMI JOIN net_nodes y ON y.h = p.dst"
        ),
        "keys_in": engine.frame(
            "SELECT DISTINCT src, dev, ipk, phk FROM txh SEMI JOIN net_nodes x ON x.h = txh.src"
        ),
    }
    engine.drop("net_nodes")
    con = duckdb.connect(config={"threads": 2, "memory_limit": "4GB"})
    for name, frame in frames.items():
        con.register(name, frame)
    con.execute(
        """CREATE TEMP TABLE keymap AS SELECT hs, hash(account) AS h, account FROM names_in;
        CREATE TEMP TABLE names AS SELECT h, account FROM keymap;
        CREATE TEMP TABLE pairs AS
          SELECT a.h AS src, b.h AS dst, p.n, p.amt, p.first_ts, p.n_round
          FROM pairs_in p JOIN keymap a ON a.hs = p.src JOIN keymap b ON b.hs = p.dst;
        CREATE TEMP TABLE txh AS
          SELECT a.h AS src, t.dev, t.ipk, t.phk FROM keys_in t JOIN keymap a ON a.hs = t.src;"""
    )
    con.execute(
        f"""CREATE TEMP TABLE scored AS SELECT *, {reasons} AS base_reasons
        FROM (SELECT k.h, s.* EXCLUDE (h) FROM scored_in s JOIN keymap k ON k.hs = s.h)"""
    )
    for name in frames:
        con.unregister(name)
    return con


def screen(
    con: duckdb.DuckDBPyConnection | SqlEngine, params: ScreeningParams | None = None
) -> ScreeningResult:
    """Screen every account of ``tx`` and return the graded accounts (all of them) and the networks.

    ``con`` is a DuckDB connection or a :class:`~qiandai.batch.sql_engines.SqlEngine` holding ``tx``.
    On Spark the features and the flow stage run on the cluster; the reduced graph, the networks and
    the grading run on the driver in DuckDB (:func:`_driver_tables`).
    """
    params = params or ScreeningParams()
    engine = as_engine(con)
    account_features(engine, params)
    transfers = _count(engine)
    if isinstance(engine, DuckDBEngine):
        return _grade(engine.con, params, transfers)
    local = _driver_tables(engine, params)
    try:
        return _grade(local, params, transfers)
    finally:
        local.close()


def _grade(con: duckdb.DuckDBPyConnection, params: ScreeningParams, transfers: int) -> ScreeningResult:
    """Stage 3 and the grades, over ``scored``/``pairs``/``txh``/``names`` of a DuckDB connection."""
    members, networks = build_networks(con, params)
    con.register("members_df", members)
    cols = ", ".join(FEATURE_COLUMNS)
    net = f"coalesce(m.network_size, 0) >= {params.network_min_size}"
    frame = con.execute(
        f"""SELECT names.account, {cols}, s.base_score, s.flow_points, m.network_id, m.community_id,
              least(s.base_score + s.flow_points + CASE WHEN {net} THEN {NETWORK_POINTS} ELSE 0 END, 100)
                AS score,
              list_concat(list_concat(s.base_reasons,
                CASE WHEN s.flow_points > 0 THEN ['转入资金的 ' || CAST(round(s.f_from_suspicious_share * 100)
                  AS INTEGER) || '% 来自可疑账户'] ELSE [] END),
                CASE WHEN {net} THEN ['属于关联账户网络 #' || m.network_id || '（' || m.network_size
                  || ' 个账户，内部流转 ' || round(m.network_internal / 10000.0, 1) || ' 万元）'] ELSE [] END)
                AS reasons
            FROM scored s JOIN names USING (h) LEFT JOIN members_df m USING (h)"""
    ).df()
    con.unregister("members_df")
    score = frame["score"].astype(int)
    frame["score"] = score
    frame["grade"] = "低"
    frame.loc[score >= params.medium_score, "grade"] = "中"
    frame.loc[score >= params.high_score, "grade"] = "高"
    frame = frame.sort_values(["score", "account"], ascending=[False, True]).reset_index(drop=True)
    return ScreeningResult(frame, networks, transfers, params)


def _count(engine: SqlEngine) -> int:
    value = engine.scalar("SELECT count(*) FROM tx")
    return int(value) if value is not None else 0
