"""Helpers of the SIM-card screening tests: a hand-built CDR folder whose features are computed by hand."""

from __future__ import annotations

import csv
from pathlib import Path

A, B, C = "13800000001", "13800000002", "13900000003"

SUBSCRIBERS = [
    ("number", "owner_id", "registered_region", "activation_date", "card_role"),
    (A, "P1", "330100", "2026-09-01", "main"),
    (B, "P1", "330100", "2026-10-05", "secondary"),
    (C, "P2", "110100", "2026-01-01", "main"),
]
HEADER = (
    "caller",
    "callee",
    "start_time",
    "duration_s",
    "cell_id",
    "region_code",
    "callee_region",
    "direction",
)
CALLS = [
    (A, "17000000001", "2026-10-01 10:00:00", "5", "3301060001", "330106", "330100", "out"),
    (A, "17000000001", "2026-10-01 23:30:00", "60", "3301060001", "330106", "330100", "out"),
    (A, "17000000002", "2026-10-02 02:00:00", "120", "5331000001", "533100", "110100", "out"),
    (A, B, "2026-10-03 12:00:00", "30", "4403000001", "440300", "330100", "out"),
    ("19000000001", A, "2026-10-02 09:00:00", "40", "5331020001", "533102", "330100", "in"),
    (B, "17000000003", "2026-10-06 08:00:00", "10", "3301020001", "330102", "330100", "out"),
    (A, "17000000002", "2026-10-06 09:00:00", "20", "4403000002", "440300", "110100", "out"),
    (B, "17000000003", "2026-10-03 13:00:00", "200", "4403000003", "440300", "330100", "out"),
    # outside the window of as_of 2026-10-11 (28 days: from 2026-09-13): ignored
    (A, "17000000009", "2026-09-12 23:59:59", "1", "5331000009", "533100", "990095", "out"),
]
SMS = [
    ("number", "day", "sms_out", "sms_in"),
    (A, "2026-10-01", "10", "2"),
    (A, "2026-09-01", "99", "0"),  # before the window
]
#: Calls on or after the scoring date: a correct feature query ignores them completely.
FUTURE_CALLS = [
    (A, "17000000099", "2026-10-11 00:00:00", "1", "5331000001", "533100", "990095", "out"),
    (A, "17000000098", "2026-10-20 03:00:00", "2", "9900950001", "990095", "990095", "out"),
    ("19000000002", C, "2026-10-12 01:00:00", "3", "5331000001", "533100", "110100", "in"),
]
FUTURE_SMS = [(A, "2026-10-11", "500", "0")]
FUTURE_SUBSCRIBER = ("13700000007", "P3", "440300", "2026-10-11", "main")


def write_csv(path: Path, rows: list[tuple[str, ...]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def hand_cdr(folder: Path, *, future: bool = False) -> Path:
    """Write the hand-built CDR folder (with ``future``: plus records on/after 2026-10-11)."""
    calls = [HEADER, *CALLS, *(FUTURE_CALLS if future else [])]
    subs = [*SUBSCRIBERS, *([FUTURE_SUBSCRIBER] if future else [])]
    write_csv(folder / "calls.csv", calls)
    write_csv(folder / "subscribers.csv", subs)
    write_csv(folder / "sms.csv", [*SMS, *(FUTURE_SMS if future else [])])
    return folder
