"""Synthetic call/SMS detail records (CDRs) with injected fraud SIM cards and hard negatives.

Everything is vectorised numpy written chunk by chunk through pyarrow, so 50 million call rows take
well under a few minutes and bounded memory. The population:

* normal subscribers (about 92 %): a circle of family/work contacts called with Zipf-like weights,
  daytime-peaked hours, log-normal durations, mostly at home, occasional trips; some live away from
  their registered region (migrant workers: 人卡分离 by itself is not fraud); some are newly activated;
  some owners hold a main and a secondary card used in the same city;
* hard negatives: delivery couriers (many short local calls to strangers, many incoming calls) and
  sales/call-centre numbers (high volume to strangers all over the country, daytime only, old cards);
* fraud numbers (``fraud_rate``) of seven kinds, each with an intensity so some are quiet:
  ``mass_calling`` 群呼, ``night_calling`` 夜间呼叫, ``multi_region`` 多地区拨打, ``key_region`` 重点地区漫游,
  ``person_card_apart`` 人卡分离, ``pair_apart`` 主副卡异地, ``new_card`` 新入网即异常.

Output (``docs/simcards.md``): ``calls``, ``subscribers``, ``sms`` and ``labels`` (number, is_fraud,
kind) as Parquet or CSV, plus ``manifest.json``. The same seed gives the same files.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy.orm import Session, sessionmaker

from qiandai.domain.errors import InvalidInputError

CITIES = np.array(
    [
        110100, 120100, 130100, 130200, 130600, 140100, 150100, 210100, 210200, 220100, 230100, 310100,
        320100, 320200, 320500, 330100, 330200, 330300, 340100, 341200, 350100, 350200, 350500, 360100,
        360700, 360900, 370100, 370200, 371300, 410100, 410300, 411300, 420100, 421000, 430100, 431200,
        440100, 440300, 440600, 441900, 445200, 450100, 450300, 460100, 500100, 510100, 511300, 520100,
        522600, 530100, 540100, 610100, 620100, 630100, 640100, 650100,
    ],
    dtype=np.int64,
)  # fmt: skip
#: Key regions the generator roams fraud cards into: border prefectures and international roaming (99xxxx).
KEY_CITIES = np.array(
    [533100, 530900, 532800, 530800, 451400, 450600, 990095, 990855, 990856], dtype=np.int64
)

KINDS = (
    "mass_calling",
    "night_calling",
    "multi_region",
    "key_region",
    "person_card_apart",
    "pair_apart",
    "new_card",
)
KIND_LABELS = {
    "normal": "正常用户",
    "migrant": "正常用户（异地工作）",
    "business": "个体经营者",
    "courier": "快递外卖员",
    "sales": "销售/客服号码",
    "mass_calling": "群呼",
    "night_calling": "夜间呼叫",
    "multi_region": "多地区拨打",
    "key_region": "重点地区漫游",
    "person_card_apart": "人卡分离",
    "pair_apart": "主副卡异地",
    "new_card": "新入网即异常",
}
_HOUR_DAY = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.5, 2, 5, 8, 10, 10, 9, 7, 7, 9, 10, 10, 9, 8, 8, 8, 6, 4, 2], float
)
_HOUR_DAY /= _HOUR_DAY.sum()
_HOUR_WORK = np.array([0, 0, 0, 0, 0, 0, 0, 1, 6, 10, 10, 10, 6, 8, 10, 10, 10, 9, 6, 2, 1, 0, 0, 0], float)
_HOUR_WORK /= _HOUR_WORK.sum()
_NIGHT_HOURS = np.array([23, 0, 1, 2, 3, 4, 5])


@dataclass
class CdrReport:
    out: Path
    numbers: int
    days: int
    calls: int
    sms: int
    fraud: int
    by_kind: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary_lines(self) -> list[str]:
        kinds = "，".join(f"{KIND_LABELS[k]} {n:,}" for k, n in self.by_kind.items())
        return [
            f"已生成 {self.numbers:,} 个号码、{self.days} 天的话单："
            f"通话 {self.calls:,} 行，短信 {self.sms:,} 行",
            f"涉诈号码 {self.fraud:,} 个；各类：{kinds}",
            f"输出目录：{self.out}（用时 {self.seconds:.1f} 秒）",
        ]


@dataclass
class _Population:
    numbers: np.ndarray  # int64
    owner: np.ndarray
    role: np.ndarray  # 0 main, 1 secondary
    reg_city: np.ndarray
    live_city: np.ndarray
    alt_city: np.ndarray
    activation: np.ndarray  # day offset relative to start (negative = before the period)
    kind: np.ndarray  # object array of kind names
    out_rate: np.ndarray
    in_rate: np.ndarray
    short_p: np.ndarray
    night_p: np.ndarray
    stranger_p: np.ndarray
    local_p: np.ndarray
    travel_p: np.ndarray
    key_p: np.ndarray
    key_city: np.ndarray
    circle: np.ndarray
    work_hours: np.ndarray  # bool
    dur_median: np.ndarray
    sms_out: np.ndarray
    sms_in: np.ndarray


def _population(n: int, days: int, fraud_rate: float, rng: np.random.Generator) -> _Population:
    idx = np.arange(n, dtype=np.int64)
    prefixes = np.array(
        [130, 131, 132, 135, 136, 138, 139, 150, 151, 158, 186, 187, 188, 189], dtype=np.int64
    )
    numbers = prefixes[idx % len(prefixes)] * 10**8 + (idx * 48271 + 12345) % 10**8
    kind = np.full(n, "normal", dtype=object)
    u = rng.random(n)
    n_fraud_cut = fraud_rate
    kind[u < 0.02 + n_fraud_cut + 0.015] = "sales"
    kind[u < 0.02 + n_fraud_cut] = "courier"
    fraud = u < n_fraud_cut
    kind[fraud] = rng.choice(np.array(KINDS, dtype=object), size=int(fraud.sum()))
    reg_city = rng.choice(CITIES, size=n)
    live_city = reg_city.copy()
    migrant = (kind == "normal") & (rng.random(n) < 0.10)
    kind[migrant] = "migrant"
    live_city[migrant] = rng.choice(CITIES, size=int(migrant.sum()))
    alt_city = rng.choice(CITIES, size=n)
    activation = -rng.integers(60, 3000, size=n)
    new_normal = (kind == "normal") & (rng.random(n) < 0.03)
    activation[new_normal] = rng.integers(0, max(days - 3, 1), size=int(new_normal.sum()))

    # owners: about 15 % of normal and 50 % of fraud numbers come in main/secondary pairs
    owner = idx.copy()
    role = np.zeros(n, dtype=np.int8)
    pair_ok = (rng.random(n) < np.where(kind == "normal", 0.15, 0.0)) | (kind == "pair_apart")
    cand = np.flatnonzero(pair_ok[:-1] & ~pair_ok[1:])  # i pairs with i+1 (a normal-looking partner)
    cand = cand[np.concatenate([[True], np.diff(cand) > 1])] if len(cand) else cand
    owner[cand + 1] = owner[cand]
    role[cand + 1] = 1
    # the partner card of a pair is registered and normally lives with its main card
    reg_city[cand + 1] = reg_city[cand]
    live_city[cand + 1] = live_city[cand]
    paired_fraud = cand[kind[cand] == "pair_apart"]
    lonely = (kind == "pair_apart") & ~np.isin(idx, paired_fraud)
    kind[lonely] = "person_card_apart"  # a pair_apart card without a partner becomes 人卡分离

    def by_kind(default: float, **values: float) -> np.ndarray:
        out = np.full(n, default, dtype=float)
        for k, v in values.items():
            out[kind == k] = v
        return out

    # small-business owners (个体经营者): busy and calling strangers, but not fraud (hard negatives)
    business = (kind == "normal") & (rng.random(n) < 0.05)
    kind[business] = "business"
    is_fraud = np.isin(kind, KINDS)
    intensity = np.where(is_fraud, rng.uniform(0.1, 1.0, n), 1.0)
    base_rate = rng.lognormal(np.log(3.5), 0.6, n)
    out_rate = base_rate * by_kind(
        1.0, business=4, courier=9, sales=18, mass_calling=25, night_calling=4, multi_region=8, key_region=4,
        person_card_apart=5, pair_apart=4, new_card=10,
    )  # fmt: skip
    out_rate = np.where(np.isin(kind, KINDS), 1.0 + (out_rate - 1.0) * intensity, out_rate)
    in_rate = base_rate * by_kind(
        1.0, courier=6, sales=1.0, mass_calling=0.2, night_calling=0.3, multi_region=0.3, key_region=0.5,
        person_card_apart=0.4, pair_apart=0.5, new_card=0.2,
    ) * rng.uniform(0.7, 1.3, n)  # fmt: skip
    short_p = by_kind(
        0.08, business=0.2, courier=0.45, sales=0.45, mass_calling=0.75, night_calling=0.4, multi_region=0.5,
        key_region=0.35,
        person_card_apart=0.35, pair_apart=0.35, new_card=0.55,
    ) * np.where(is_fraud, 0.3 + 0.7 * intensity, 1.0)  # fmt: skip
    night_p = np.clip(0.012 * rng.lognormal(0.0, 1.0, n), 0.0, 0.35)  # night owls and shift workers
    night_p[kind == "night_calling"] = 0.1 + 0.45 * intensity[kind == "night_calling"]
    night_p[np.isin(kind, ("courier", "sales"))] = 0.0
    stranger_p = rng.beta(1.2, 6.0, n)
    stranger_p[business] = rng.uniform(0.4, 0.8, int(business.sum()))
    stranger_p[kind == "courier"] = 0.85
    stranger_p[kind == "sales"] = 0.95
    stranger_p[is_fraud] = 0.25 + 0.7 * intensity[is_fraud]
    local_p = by_kind(
        0.8, business=0.6, courier=0.97, sales=0.35, mass_calling=0.25, multi_region=0.02, night_calling=0.3
    )
    local_p[np.isin(kind, ("key_region", "person_card_apart", "pair_apart", "new_card"))] = 0.3
    travel_p = by_kind(0.03, courier=0.0, sales=0.01, multi_region=0.05)
    key_p = by_kind(0.0, key_region=0.7) * np.where(kind == "key_region", intensity, 1.0)
    key_p[(kind == "normal") & (rng.random(n) < 0.01)] = 0.05  # border residents' trips (hard negatives)
    key_city = rng.choice(KEY_CITIES, size=n)
    # fraud that operates away from the registered region (人卡分离) or away from the main card
    apart = kind == "person_card_apart"
    live_city[apart] = np.where(
        rng.random(int(apart.sum())) < 0.5, rng.choice(KEY_CITIES[:6], int(apart.sum())), alt_city[apart]
    )
    live_city[kind == "pair_apart"] = alt_city[kind == "pair_apart"]
    same = live_city == reg_city
    live_city[apart & same] = KEY_CITIES[0]
    new_fraud = kind == "new_card"
    activation[new_fraud] = rng.integers(max(days - 14, 0), max(days - 2, 1), size=int(new_fraud.sum()))
    other_fraud = np.isin(kind, KINDS) & ~new_fraud & (rng.random(n) < 0.4)
    activation[other_fraud] = rng.integers(-30, max(days - 7, 1), size=int(other_fraud.sum()))

    circle = rng.integers(8, 40, size=n)
    work_hours = np.isin(kind, ("sales", "courier"))
    dur_median = by_kind(75.0, courier=30, sales=70, mass_calling=25, night_calling=45, new_card=30)
    sms_out = by_kind(2.0, courier=6, sales=10, mass_calling=30, new_card=20, multi_region=10) * rng.uniform(
        0.5, 1.5, n
    )
    sms_in = by_kind(3.0, courier=5, sales=3, mass_calling=0.5, new_card=0.5) * rng.uniform(0.5, 1.5, n)
    return _Population(
        numbers, owner, role, reg_city, live_city, alt_city, activation, kind, out_rate, in_rate, short_p,
        night_p, stranger_p, local_p, travel_p, key_p, key_city, circle, work_hours, dur_median, sms_out,
        sms_in,
    )  # fmt: skip


def _mix(a: np.ndarray, b: np.ndarray | int) -> np.ndarray:
    """A cheap deterministic hash of two int64 arrays into [0, 1)."""
    x = (
        a * np.int64(2654435761) + np.asarray(b, dtype=np.int64) * np.int64(40503) + np.int64(97)
    ) & np.int64(0x7FFFFFFF)
    x = (x ^ (x >> 13)) * np.int64(1274126177) & np.int64(0x7FFFFFFF)
    return (x % 100000) / 100000.0


def _str(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values, type=pa.int64()), pa.string())


def _location(pop: _Population, who: np.ndarray, day: np.ndarray) -> np.ndarray:
    city = pop.live_city[who].copy()
    travel = _mix(who, day) < pop.travel_p[who]
    city[travel] = pop.alt_city[who][travel]
    key = _mix(who + 7, day) < pop.key_p[who]
    city[key] = pop.key_city[who][key]
    return city


def _chunk_calls(
    pop: _Population, lo: int, hi: int, days: int, start: datetime, rng: np.random.Generator
) -> pa.Table:
    n_all = len(pop.numbers)
    who_range = np.arange(lo, hi, dtype=np.int64)
    first_day = np.clip(pop.activation[lo:hi], 0, days - 1)
    active = days - first_day
    n_out = rng.poisson(pop.out_rate[lo:hi] * active)
    n_in = rng.poisson(pop.in_rate[lo:hi] * active)

    def rows(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        who = np.repeat(who_range, counts)
        fd = np.repeat(first_day, counts)
        ad = np.repeat(active, counts)
        day = fd + (rng.random(len(who)) * ad).astype(np.int64)
        night = rng.random(len(who)) < pop.night_p[who]
        hour = np.where(
            pop.work_hours[who], rng.choice(24, len(who), p=_HOUR_WORK), rng.choice(24, len(who), p=_HOUR_DAY)
        )
        hour = np.where(night, rng.choice(_NIGHT_HOURS, len(who)), hour)
        secs = day * 86400 + hour * 3600 + rng.integers(0, 3600, len(who))
        return who, day, secs

    # outgoing legs: the subscriber calls a circle member (another subscriber) or a stranger
    who, day, secs = rows(n_out)
    m = len(who)
    stranger = rng.random(m) < pop.stranger_p[who]
    rank = np.minimum((rng.zipf(1.6, m) - 1), pop.circle[who] - 1)
    member = (who * 7919 + rank * 104729 + 13) % n_all
    member = np.where(member == who, (member + 1) % n_all, member)
    ext = 17000000000 + rng.integers(0, 10**9, m)
    callee = np.where(stranger, ext, pop.numbers[member])
    local = rng.random(m) < pop.local_p[who]
    circle_region = np.where(rng.random(m) < 0.85, pop.reg_city[who], pop.reg_city[member])
    callee_region = np.where(
        stranger, np.where(local, pop.live_city[who], rng.choice(CITIES, m)), circle_region
    )
    short = rng.random(m) < pop.short_p[who]
    dur = np.where(
        short,
        rng.integers(0, 15, m),
        np.clip(rng.lognormal(np.log(pop.dur_median[who]), 0.9, m), 15, 7200).astype(np.int64),
    )
    loc = _location(pop, who, day)
    out_tbl = {
        "caller": pop.numbers[who],
        "callee": callee,
        "secs": secs,
        "dur": dur,
        "loc": loc,
        "callee_region": callee_region,
        "dir_out": np.ones(m, dtype=bool),
    }
    # incoming legs from outside the network (or from circle members' other phones)
    who_i, day_i, secs_i = rows(n_in)
    k = len(who_i)
    caller_i = 19000000000 + rng.integers(0, 10**9, k)
    loc_i = _location(pop, who_i, day_i)
    in_tbl = {
        "caller": caller_i,
        "callee": pop.numbers[who_i],
        "secs": secs_i,
        "dur": np.clip(rng.lognormal(np.log(60), 0.9, k), 3, 7200).astype(np.int64),
        "loc": loc_i,
        "callee_region": pop.reg_city[who_i],
        "dir_out": np.zeros(k, dtype=bool),
    }
    cols = {key: np.concatenate([out_tbl[key], in_tbl[key]]) for key in out_tbl}
    base = np.datetime64(start.replace(tzinfo=None), "s")
    cell = cols["loc"] * 10000 + (_mix(cols["caller"], cols["secs"] // 86400) * 60).astype(np.int64)
    return pa.table(
        {
            "caller": _str(cols["caller"]),
            "callee": _str(cols["callee"]),
            "start_time": pa.array(base + cols["secs"].astype("timedelta64[s]"), type=pa.timestamp("s")),
            "duration_s": pa.array(cols["dur"].astype(np.int32)),
            "cell_id": _str(cell),
            "region_code": _str(cols["loc"]),
            "callee_region": _str(cols["callee_region"]),
            "direction": pa.array(np.where(cols["dir_out"], "out", "in")),
        }
    )


def _sms(pop: _Population, days: int, start: date, rng: np.random.Generator) -> pa.Table:
    n = len(pop.numbers)
    first_day = np.clip(pop.activation, 0, days - 1)
    active = days - first_day
    who = np.repeat(np.arange(n), active)
    offset = np.arange(len(who)) - np.repeat(np.cumsum(active) - active, active)
    day = first_day[who] + offset
    base = np.datetime64(start, "D")
    return pa.table(
        {
            "number": _str(pop.numbers[who]),
            "day": pa.array(base + day.astype("timedelta64[D]"), type=pa.date32()),
            "sms_out": pa.array(rng.poisson(pop.sms_out[who]).astype(np.int32)),
            "sms_in": pa.array(rng.poisson(pop.sms_in[who]).astype(np.int32)),
        }
    )


def _write(table: pa.Table, path: Path, fmt: str) -> None:
    if fmt == "csv":
        pacsv.write_csv(table, path)
    else:
        pq.write_table(table, path, compression="zstd")


def generate_cdr(
    out: Path,
    *,
    numbers: int = 5000,
    days: int = 30,
    seed: int = 42,
    start: date = date(2026, 10, 1),
    fraud_rate: float = 0.02,
    fmt: Literal["parquet", "csv"] = "parquet",
    chunk_numbers: int = 20000,
) -> CdrReport:
    """Write a CDR folder (calls, subscribers, sms, labels, manifest.json) to ``out``."""
    if numbers < 50:
        raise InvalidInputError("号码数至少为 50")
    if not 7 <= days <= 366:
        raise InvalidInputError("天数应在 7–366 之间")
    if not 0.0 < fraud_rate <= 0.2:
        raise InvalidInputError("涉诈比例应在 (0, 0.2] 之间")
    if fmt not in ("parquet", "csv"):
        raise InvalidInputError("格式应为 parquet 或 csv")
    t0 = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pop = _population(numbers, days, fraud_rate, rng)
    start_dt = datetime(start.year, start.month, start.day)
    ext = "parquet" if fmt == "parquet" else "csv"
    calls_path = out / f"calls.{ext}"
    writer: Any = None
    total = 0
    try:
        for lo in range(0, numbers, chunk_numbers):
            hi = min(lo + chunk_numbers, numbers)
            chunk_rng = np.random.default_rng([seed, lo])
            table = _chunk_calls(pop, lo, hi, days, start_dt, chunk_rng)
            total += table.num_rows
            if writer is None:
                writer = (
                    pq.ParquetWriter(calls_path, table.schema, compression="zstd")
                    if fmt == "parquet"
                    else pacsv.CSVWriter(calls_path, table.schema)
                )
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    sms = _sms(pop, days, start, np.random.default_rng([seed, 10**9]))
    _write(sms, out / f"sms.{ext}", fmt)
    base = np.datetime64(start, "D")
    subscribers = pa.table(
        {
            "number": _str(pop.numbers),
            "owner_id": pc.binary_join_element_wise(pa.array(["P"] * numbers), _str(pop.owner + 10**7), ""),
            "registered_region": _str(pop.reg_city),
            "activation_date": pa.array(base + pop.activation.astype("timedelta64[D]"), type=pa.date32()),
            "card_role": pa.array(np.where(pop.role == 1, "secondary", "main")),
        }
    )
    _write(subscribers, out / f"subscribers.{ext}", fmt)
    is_fraud = np.isin(pop.kind, KINDS)
    labels = pa.table(
        {"number": _str(pop.numbers), "is_fraud": pa.array(is_fraud), "kind": pa.array(pop.kind.astype(str))}
    )
    _write(labels, out / f"labels.{ext}", fmt)
    kinds, counts = np.unique(pop.kind.astype(str), return_counts=True)
    report = CdrReport(
        out,
        numbers,
        days,
        total,
        sms.num_rows,
        int(is_fraud.sum()),
        {str(k): int(c) for k, c in zip(kinds, counts, strict=True)},
    )
    report.seconds = time.perf_counter() - t0
    manifest = {
        "generator": "qiandai.datagen.cdr",
        "seed": seed,
        "numbers": numbers,
        "days": days,
        "start": start.isoformat(),
        "end_exclusive": (start + timedelta(days=days)).isoformat(),
        "fraud_rate": fraud_rate,
        "format": fmt,
        "calls": total,
        "sms": sms.num_rows,
        "by_kind": report.by_kind,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return report


DEMO_NUMBERS, DEMO_DAYS, DEMO_SEED = 2000, 30, 2026


def seed_demo_simcards(factory: sessionmaker[Session], workdir: Path) -> list[str]:
    """Demo data of SIM-card screening for `qiandai demo`: a small generated CDR set under
    ``workdir/sim-cdr``, a model trained on it (kept under ``$QIANDAI_HOME/models/simcards``) and one
    stored scoring run. Idempotent: a second call reuses the files and the model and stores nothing new.
    """
    from qiandai.domain.errors import NotFoundError
    from qiandai.simcards import model as sim_model
    from qiandai.simcards import repository
    from qiandai.store.database import unit_of_work

    lines = []
    data = Path(workdir) / "sim-cdr"
    if not (data / "manifest.json").exists():
        report = generate_cdr(data, numbers=DEMO_NUMBERS, days=DEMO_DAYS, seed=DEMO_SEED)
        lines.append(f"涉诈电话卡：已生成演示话单 {report.calls:,} 行（{report.numbers:,} 个号码）")
    try:
        model = sim_model.load_model()
    except (NotFoundError, InvalidInputError):
        trained = sim_model.train(data)
        model = trained.model
        lines.append(f"涉诈电话卡：已训练模型，留出集 F1 {trained.metrics.f1:.3f}")
    result = sim_model.score(data, model=model)
    with unit_of_work(factory) as session:
        run, created = repository.store_run(session, result, data, model.manifest.get("metrics"))
        counts = result.counts
        verb = "已保存" if created else "已存在"
        lines.append(f"涉诈电话卡：评分批次 {run.id} {verb}（高风险 {counts['高']}，中风险 {counts['中']}）")
    return lines
