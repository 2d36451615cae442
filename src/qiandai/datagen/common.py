"""Small helpers shared by the claims generator: calendar arithmetic on integer days and seconds,
ages as the contract defines them, id formatting and exact decimal columns for Arrow.

Dates are ``int64`` days since 1970-01-01 and times ``int64`` seconds since 1970-01-01 00:00:00
(naive local time, as the national tables store it).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

IntArray = npt.NDArray[np.int64]

DAY = 86_400
HOUR = 3_600
EPOCH = date(1970, 1, 1)
YEAR = 2025
YEAR_START = (date(YEAR, 1, 1) - EPOCH).days
YEAR_END = (date(YEAR, 12, 31) - EPOCH).days


def day_of(d: date) -> int:
    """Days since 1970-01-01 of a date."""
    return (d - EPOCH).days


def date_of(day: int) -> date:
    """The date of a day number."""
    return date.fromordinal(EPOCH.toordinal() + int(day))


def ymd(days: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Year, month and day-of-month of day numbers."""
    dt = np.asarray(days, dtype="datetime64[D]")
    y = dt.astype("datetime64[Y]").astype(np.int64) + 1970
    m_start = dt.astype("datetime64[M]")
    m = m_start.astype(np.int64) % 12 + 1
    d = (dt - m_start.astype("datetime64[D]")).astype(np.int64) + 1
    return y, m, d


def age_years(birth: IntArray, on: IntArray) -> IntArray:
    """Whole years between ``birth`` and ``on`` (birthday counted on the day itself)."""
    by, bm, bd = ymd(birth)
    oy, om, od = ymd(on)
    before = (om < bm) | ((om == bm) & (od < bd))
    return oy - by - before.astype(np.int64)


def add_years(day: int, years: int) -> int:
    """The same calendar day ``years`` later (never called on 29 February)."""
    d = date_of(day)
    return day_of(d.replace(year=d.year + years))


def affine_ids(index: IntArray, mult: int, add: int, width: int) -> IntArray:
    """Spread sequence numbers over ``10**width`` with a bijection, so ids look unordered but stay unique."""
    mod = 10**width
    return (np.asarray(index, dtype=np.int64) % mod * mult + add) % mod


def id_strings(prefix: str, numbers: IntArray, width: int) -> pa.Array:
    """``prefix`` followed by ``numbers`` zero-padded to ``width`` digits, as an Arrow string array."""
    digits = pc.utf8_lpad(pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()), width, "0")
    if not prefix:
        return digits
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def decimal_from_cents(
    cents: IntArray, scale: int = 2, null_mask: npt.NDArray[np.bool_] | None = None
) -> pa.Array:
    """An exact ``DECIMAL(18, scale)`` array from integer units of ``10**-scale``."""
    values = np.ascontiguousarray(np.asarray(cents, dtype=np.int64))
    words = np.empty((len(values), 2), dtype=np.int64)
    words[:, 0] = values
    words[:, 1] = np.where(values < 0, -1, 0)
    validity = None
    null_count = 0
    if null_mask is not None and null_mask.any():
        validity = pa.array(~null_mask).buffers()[1]
        null_count = int(null_mask.sum())
    return pa.Array.from_buffers(
        pa.decimal128(18, scale), len(values), [validity, pa.py_buffer(words.tobytes())], null_count
    )


def timestamps(seconds: IntArray, null_mask: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    """A ``TIMESTAMP`` (microseconds, naive) array from seconds."""
    us = np.asarray(seconds, dtype=np.int64) * 1_000_000
    return pa.array(us, type=pa.timestamp("us"), mask=null_mask)


def dates(days: IntArray, null_mask: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    """A ``DATE`` array from day numbers."""
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.date32(), mask=null_mask)


def take(values: list[Any] | pa.Array, index: IntArray) -> pa.Array:
    """``values[index]`` as an Arrow array (strings from a small lookup list)."""
    arr = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
    return arr.take(pa.array(np.asarray(index, dtype=np.int64)))


def with_nulls(arr: pa.Array, null_mask: npt.NDArray[np.bool_]) -> pa.Array:
    """``arr`` with NULL where ``null_mask`` is set."""
    return pc.if_else(pa.array(~np.asarray(null_mask, dtype=bool)), arr, pa.nulls(len(arr), type=arr.type))


def int_codes(values: IntArray) -> pa.Array:
    """Small integer codes (med_type 11, dscg_way 5 …) as their decimal strings."""
    values = np.asarray(values, dtype=np.int64)
    uniq = np.unique(values)
    return take([str(u) for u in uniq.tolist()], np.searchsorted(uniq, values))


def rng_for(seed: int, *stream: int) -> np.random.Generator:
    """An independent, reproducible generator for one stage (and chunk) of a run."""
    return np.random.default_rng([seed, *stream])
