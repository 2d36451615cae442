"""Embedded feature state: per-key time series in memory, the hot path of a single node.

Contract (shared with :mod:`qiandai.transfers.shared`, which computes the same numbers in PostgreSQL):
a window of length ``w`` at time ``t`` holds the events already recorded whose time lies in
``(t - w, t]``. Events are recorded *after* their own decision, so a decision never sees itself, and a
replay in time order sees exactly what was known at that moment (point-in-time correct). "Passed" events
(放行/提示核实) feed the history (amount profile, known payees, money received); every attempt, intercepted
or not, feeds the velocity counters.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from dataclasses import dataclass
from typing import Any

MIN10, MIN30, HOUR, DAY = 600.0, 1800.0, 3600.0, 86400.0
HISTORY = 30 * DAY
SMALL_AMOUNT = 1000.0


@dataclass(frozen=True, slots=True)
class Event:
    """A decided transfer as the state remembers it."""

    ts: float
    payer: str
    payee: str
    amount: float
    device: str | None
    ip: str | None
    passed: bool
    new_payee: bool


class Series:
    """Events of one key in time order: parallel lists, pruned beyond ``retention`` seconds."""

    __slots__ = ("amounts", "flags", "others", "retention", "times")

    def __init__(self, retention: float) -> None:
        self.retention = retention
        self.times: list[float] = []
        self.amounts: list[float] = []
        self.others: list[str] = []
        self.flags: list[int] = []  # bit 0: passed, bit 1: new payee

    def add(self, ts: float, amount: float, other: str, flags: int) -> None:
        times = self.times
        if not times or ts >= times[-1]:
            times.append(ts)
            self.amounts.append(amount)
            self.others.append(other)
            self.flags.append(flags)
        else:  # out of order: keep the lists sorted by time
            i = bisect_right(times, ts)
            insort(times, ts)
            self.amounts.insert(i, amount)
            self.others.insert(i, other)
            self.flags.insert(i, flags)
        cutoff = times[-1] - self.retention
        if times[0] <= cutoff:
            k = bisect_right(times, cutoff)
            if k > 64 or k == len(times):
                del times[:k], self.amounts[:k], self.others[:k], self.flags[:k]

    def span(self, t: float, width: float) -> tuple[int, int]:
        """Index range of events in ``(t - width, t]``."""
        times = self.times
        return bisect_right(times, t - width), bisect_right(times, t)


class MemoryState:
    """All keys' series and the sets behind first-time payee / new device / first-seen payee."""

    def __init__(self) -> None:
        self.out: dict[str, Series] = {}
        self.inn: dict[str, Series] = {}
        self.device: dict[str, Series] = {}
        self.ip: dict[str, Series] = {}
        self.payees: dict[str, set[str]] = {}
        self.devices: dict[str, set[str]] = {}
        self.first_seen: dict[str, float] = {}
        self.events = 0

    def features(
        self, t: float, payer: str, payee: str, device: str | None, ip: str | None
    ) -> dict[str, Any]:
        """State features of a transfer at time ``t`` (see docs/transfers.md for each definition)."""
        x: dict[str, Any] = {}
        out = self.out.get(payer)
        if out is not None:
            i10, j = out.span(t, MIN10)
            i1h = bisect_right(out.times, t - HOUR)
            i24 = bisect_right(out.times, t - DAY)
            i30 = bisect_right(out.times, t - HISTORY)
            amounts, flags = out.amounts, out.flags
            x["payer_out_count_10m"] = j - i10
            x["payer_out_count_1h"] = j - i1h
            x["payer_out_count_24h"] = j - i24
            day = amounts[i24:j]
            x["payer_out_sum_24h"] = round(sum(day), 2)
            x["payer_small_count_24h"] = sum(1 for a in day if a <= SMALL_AMOUNT)
            x["payer_distinct_payees_24h"] = len(set(out.others[i24:j]))
            x["payer_new_payees_24h"] = sum(1 for fl in flags[i24:j] if fl & 2)
            hist = [a for a, fl in zip(amounts[i30:j], flags[i30:j], strict=True) if fl & 1]
            x["payer_history_count_30d"] = len(hist)
            x["payer_max_amount_30d"] = max(hist) if hist else None
            x["payer_avg_amount_30d"] = round(sum(hist) / len(hist), 2) if hist else None
        else:
            x.update(_EMPTY_OUT)
        inn = self.inn.get(payee)
        if inn is not None:
            i1h, j = inn.span(t, HOUR)
            i24 = bisect_right(inn.times, t - DAY)
            x["payee_in_count_1h"] = j - i1h
            x["payee_in_count_24h"] = j - i24
            x["payee_in_sum_24h"] = round(sum(inn.amounts[i24:j]), 2)
            x["payee_distinct_payers_1h"] = len(set(inn.others[i1h:j]))
            x["payee_distinct_payers_24h"] = len(set(inn.others[i24:j]))
        else:
            x.update(_EMPTY_IN)
        mine = self.inn.get(payer)
        if mine is not None:
            i30m, j = mine.span(t, MIN30)
            x["payer_in_sum_30m"] = round(
                sum(a for a, fl in zip(mine.amounts[i30m:j], mine.flags[i30m:j], strict=True) if fl & 1), 2
            )
            x["payer_in_count_24h"] = j - bisect_right(mine.times, t - DAY)
        else:
            x["payer_in_sum_30m"] = 0.0
            x["payer_in_count_24h"] = 0
        x["device_distinct_payers_24h"], x["device_out_count_1h"] = _device(self.device.get(device or ""), t)
        x["ip_distinct_payers_24h"] = _device(self.ip.get(ip or ""), t)[0]
        known = self.payees.get(payer)
        x["first_time_payee"] = known is None or payee not in known
        used = self.devices.get(payer)
        x["new_device"] = bool(device) and used is not None and device not in used
        first = self.first_seen.get(payee)
        x["payee_first_seen_days"] = None if first is None or first > t else round((t - first) / DAY, 3)
        return x

    def record(self, e: Event) -> None:
        """Remember a decided transfer (after its decision)."""
        flags = (1 if e.passed else 0) | (2 if e.new_payee else 0)
        _series(self.out, e.payer, HISTORY).add(e.ts, e.amount, e.payee, flags)
        _series(self.inn, e.payee, DAY).add(e.ts, e.amount, e.payer, flags)
        if e.device:
            _series(self.device, e.device, DAY).add(e.ts, e.amount, e.payer, flags)
            self.devices.setdefault(e.payer, set()).add(e.device)
        if e.ip:
            _series(self.ip, e.ip, DAY).add(e.ts, e.amount, e.payer, flags)
        if e.passed:
            self.payees.setdefault(e.payer, set()).add(e.payee)
        seen = self.first_seen.get(e.payee)
        if seen is None or e.ts < seen:
            self.first_seen[e.payee] = e.ts
        self.events += 1


def _series(index: dict[str, Series], key: str, retention: float) -> Series:
    found = index.get(key)
    if found is None:
        found = index[key] = Series(retention)
    return found


def _device(series: Series | None, t: float) -> tuple[int, int]:
    if series is None:
        return 0, 0
    i24, j = series.span(t, DAY)
    return len(set(series.others[i24:j])), j - bisect_right(series.times, t - HOUR)


_EMPTY_OUT: dict[str, Any] = {
    "payer_out_count_10m": 0,
    "payer_out_count_1h": 0,
    "payer_out_count_24h": 0,
    "payer_out_sum_24h": 0.0,
    "payer_small_count_24h": 0,
    "payer_distinct_payees_24h": 0,
    "payer_new_payees_24h": 0,
    "payer_history_count_30d": 0,
    "payer_max_amount_30d": None,
    "payer_avg_amount_30d": None,
}
_EMPTY_IN: dict[str, Any] = {
    "payee_in_count_1h": 0,
    "payee_in_count_24h": 0,
    "payee_in_sum_24h": 0.0,
    "payee_distinct_payers_1h": 0,
    "payee_distinct_payers_24h": 0,
}
