"""Per-number features of SIM-card screening, computed in one DuckDB query, point in time.

Features for scoring date ``as_of`` use only records strictly before ``as_of`` 00:00 (local time, as
the CDR timestamps are) and at most ``window_days`` days back; only cards activated before ``as_of``
are scored, and card age is counted to ``as_of``. A record on or after ``as_of`` therefore changes
nothing — ``tests/simcards/test_sim_features.py`` checks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from qiandai.batch.sql_engines import SqlEngine, as_engine

#: Default key regions (重点地区): prefixes of region codes. Border prefectures of Yunnan and Guangxi
#: next to the northern-Myanmar / Vietnam fraud hubs, and ``99`` (international roaming, see
#: docs/simcards.md). Configurable per run.
DEFAULT_KEY_REGIONS: tuple[str, ...] = ("5331", "5309", "5328", "5308", "5325", "4514", "4506", "99")


@dataclass(frozen=True)
class FeatureConfig:
    """Parameters of the feature query (documented in docs/simcards.md)."""

    window_days: int = 28
    short_call_s: int = 15
    night_start_hour: int = 23
    night_end_hour: int = 6
    key_regions: tuple[str, ...] = field(default=DEFAULT_KEY_REGIONS)


#: Feature columns and their Chinese labels (used in reasons, pages and exports), in model order.
FEATURES: dict[str, str] = {
    "calls_out_per_day": "日均主叫次数",
    "callees_per_day": "日均联系不同号码数",
    "out_in_ratio": "主被叫比",
    "short_call_share": "短时通话占比",
    "night_call_share": "夜间通话占比",
    "callee_entropy": "被叫离散度（熵）",
    "unique_callee_ratio": "被叫不重复比例",
    "repeat_callee_share": "重复联系占比",
    "callee_regions": "被叫归属地数",
    "mean_duration_s": "平均通话时长（秒）",
    "active_days": "活跃天数",
    "key_region_days": "重点地区活动天数",
    "key_region_share": "重点地区话单占比",
    "away_share": "异地（非登记归属地）话单占比",
    "cities_visited": "到访城市数",
    "paired_card": "机主另有号码",
    "pair_apart_share": "主副卡异地天数占比",
    "card_age_days": "入网天数",
    "sms_out_per_day": "日均发送短信",
    "sms_out_in_ratio": "短信发收比",
}

#: Raw counts also returned (shown in reasons, not fed to the model).
COUNTS = ("n_out", "n_in", "distinct_callees", "pair_shared_days", "registered_region", "observed_days")


def _prefix_match(column: str, prefixes: tuple[str, ...]) -> str:
    if not prefixes:
        return "false"
    quoted = [p.replace("'", "''") for p in prefixes]
    return "(" + " OR ".join(f"starts_with({column}, '{p}')" for p in quoted) + ")"


def feature_sql(as_of: date, config: FeatureConfig) -> str:
    """The feature query for ``as_of`` over the views ``calls``, ``subscribers`` and ``sms``."""
    start = as_of - timedelta(days=config.window_days)
    cutoff = f"TIMESTAMP '{as_of.isoformat()} 00:00:00'"
    since = f"TIMESTAMP '{start.isoformat()} 00:00:00'"
    key = _prefix_match("region_code", config.key_regions)
    ns, ne = config.night_start_hour, config.night_end_hour
    night = (
        f"(hour(start_time) >= {ns} OR hour(start_time) < {ne})"
        if ns > ne
        else f"(hour(start_time) >= {ns} AND hour(start_time) < {ne})"
    )
    return f"""
WITH subs AS (
    SELECT number, owner_id, registered_region, activation_date, card_role
    FROM subscribers WHERE activation_date < DATE '{as_of.isoformat()}'
),
c AS (
    SELECT caller, callee, start_time, duration_s, region_code, callee_region, direction
    FROM calls WHERE start_time >= {since} AND start_time < {cutoff}
),
pairs AS (
    SELECT caller AS number, callee, count(*) AS k,
           sum(CASE WHEN duration_s < {config.short_call_s} THEN 1 ELSE 0 END) AS n_short,
           sum(CASE WHEN {night} THEN 1 ELSE 0 END) AS n_night,
           sum(duration_s) AS dur, min(callee_region) AS callee_region
    FROM c GROUP BY caller, callee
),
pair_agg AS (
    SELECT number, sum(k) AS n_out, count(*) AS distinct_callees,
           ln(sum(k)) - sum(k * ln(k)) / sum(k) AS callee_entropy,
           coalesce(sum(k) FILTER (WHERE k >= 2), 0) / sum(k) AS repeat_callee_share,
           sum(n_short) / sum(k) AS short_call_share,
           sum(n_night) / sum(k) AS night_call_share,
           count(DISTINCT callee_region) AS callee_regions,
           sum(dur) / sum(k) AS mean_duration_s
    FROM pairs GROUP BY number
),
in_agg AS (SELECT callee AS number, sum(k) AS n_in FROM pairs GROUP BY callee),
served AS (
    SELECT CASE WHEN direction = 'out' THEN caller ELSE callee END AS number,
           CAST(start_time AS DATE) AS day, region_code, count(*) AS n
    FROM c GROUP BY ALL
),
served_subs AS (
    SELECT s.number, s.day, s.n, {key} AS is_key, substr(s.region_code, 1, 4) AS city,
           substr(u.registered_region, 1, 4) AS reg_city
    FROM served s JOIN subs u ON u.number = s.number
),
loc AS (
    SELECT number, count(DISTINCT day) AS active_days,
           count(DISTINCT day) FILTER (WHERE is_key) AS key_region_days,
           coalesce(sum(n) FILTER (WHERE is_key), 0) / sum(n) AS key_region_share,
           coalesce(sum(n) FILTER (WHERE city <> reg_city), 0) / sum(n) AS away_share,
           count(DISTINCT city) AS cities_visited
    FROM served_subs GROUP BY number
),
multi AS (
    SELECT owner_id FROM subs GROUP BY owner_id HAVING count(*) > 1
),
day_city AS MATERIALIZED (
    SELECT d.number, u.owner_id, d.day, arg_max(d.city, d.n) AS city
    FROM (SELECT number, day, city, sum(n) AS n FROM served_subs GROUP BY ALL) d
    JOIN subs u ON u.number = d.number JOIN multi m ON m.owner_id = u.owner_id
    GROUP BY d.number, u.owner_id, d.day
),
owner_day AS (
    SELECT owner_id, day, count(*) AS n_cards, count(DISTINCT city) AS n_cities
    FROM day_city GROUP BY owner_id, day
),
pair_loc AS (
    SELECT d.number, count(*) FILTER (WHERE o.n_cards > 1) AS pair_shared_days,
           count(*) FILTER (WHERE o.n_cards > 1 AND o.n_cities > 1) AS apart_days
    FROM day_city d JOIN owner_day o ON o.owner_id = d.owner_id AND o.day = d.day
    GROUP BY d.number
),
sms_agg AS (
    SELECT number, sum(sms_out) AS sms_out, sum(sms_in) AS sms_in FROM sms
    WHERE day >= DATE '{start.isoformat()}' AND day < DATE '{as_of.isoformat()}' GROUP BY number
),
base AS (
    SELECT u.number, u.registered_region, u.activation_date,
           date_diff('day', u.activation_date, DATE '{as_of.isoformat()}') AS card_age_days,
           greatest(1, least({config.window_days},
               date_diff('day', greatest(u.activation_date, DATE '{start.isoformat()}'),
                         DATE '{as_of.isoformat()}')))
               AS observed_days,
           u.owner_id IN (SELECT owner_id FROM multi) AS paired
    FROM subs u
)
SELECT b.number, b.registered_region, b.observed_days,
       coalesce(p.n_out, 0) AS n_out, coalesce(i.n_in, 0) AS n_in,
       coalesce(p.distinct_callees, 0) AS distinct_callees,
       coalesce(p.n_out, 0) / b.observed_days AS calls_out_per_day,
       coalesce(p.distinct_callees, 0) / b.observed_days AS callees_per_day,
       coalesce(p.n_out, 0) / (coalesce(i.n_in, 0) + 1.0) AS out_in_ratio,
       coalesce(p.short_call_share, 0) AS short_call_share,
       coalesce(p.night_call_share, 0) AS night_call_share,
       coalesce(p.callee_entropy, 0) AS callee_entropy,
       coalesce(p.distinct_callees / p.n_out, 0) AS unique_callee_ratio,
       coalesce(p.repeat_callee_share, 0) AS repeat_callee_share,
       coalesce(p.callee_regions, 0) AS callee_regions,
       coalesce(p.mean_duration_s, 0) AS mean_duration_s,
       coalesce(l.active_days, 0) AS active_days,
       coalesce(l.key_region_days, 0) AS key_region_days,
       coalesce(l.key_region_share, 0) AS key_region_share,
       coalesce(l.away_share, 0) AS away_share,
       coalesce(l.cities_visited, 0) AS cities_visited,
       CASE WHEN b.paired THEN 1 ELSE 0 END AS paired_card,
       coalesce(pl.pair_shared_days, 0) AS pair_shared_days,
       coalesce(pl.apart_days / nullif(pl.pair_shared_days, 0), 0) AS pair_apart_share,
       b.card_age_days,
       coalesce(s.sms_out, 0) / b.observed_days AS sms_out_per_day,
       coalesce(s.sms_out, 0) / (coalesce(s.sms_in, 0) + 1.0) AS sms_out_in_ratio
FROM base b
LEFT JOIN pair_agg p ON p.number = b.number
LEFT JOIN in_agg i ON i.number = b.number
LEFT JOIN loc l ON l.number = b.number
LEFT JOIN pair_loc pl ON pl.number = b.number
LEFT JOIN sms_agg s ON s.number = b.number
ORDER BY b.number
"""


def compute_features(
    con: duckdb.DuckDBPyConnection | SqlEngine, as_of: date, config: FeatureConfig | None = None
) -> pd.DataFrame:
    """One row per subscriber activated before ``as_of``: :data:`FEATURES` plus :data:`COUNTS`.

    ``con`` is a DuckDB connection or an engine (:mod:`qiandai.batch.sql_engines`): on Spark the same
    query is transpiled and runs on the cluster; only the per-number rows come back to the driver.
    """
    frame = as_engine(con).frame(feature_sql(as_of, config or FeatureConfig()))
    for col in FEATURES:
        frame[col] = frame[col].astype("float64")
    return frame


def default_as_of(con: duckdb.DuckDBPyConnection | SqlEngine) -> date:
    """The day after the last call record: scoring "now" on a CDR extract."""
    last = as_engine(con).rows("SELECT max(start_time) FROM calls")[0]
    if last[0] is None:
        from qiandai.domain.errors import InvalidInputError

        raise InvalidInputError("通话详单中没有有效记录，无法确定评分日期")
    latest: datetime = last[0]
    return latest.date() + timedelta(days=1)
