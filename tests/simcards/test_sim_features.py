"""Per-number features on a hand-built CDR folder, against values computed by hand; point in time."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from sim_helpers import A, B, C, hand_cdr

from qiandai.simcards.features import FEATURES, FeatureConfig, compute_features, default_as_of
from qiandai.simcards.schema import open_cdr

AS_OF = date(2026, 10, 11)


def _features(folder: Path, as_of: date = AS_OF, config: FeatureConfig | None = None) -> pd.DataFrame:
    con = duckdb.connect()
    open_cdr(folder, con)
    return compute_features(con, as_of, config).set_index("number")


def test_features_match_hand_computed_values(tmp_path: Path) -> None:
    f = _features(hand_cdr(tmp_path / "cdr"))
    assert list(f.index) == [A, B, C]
    a = f.loc[A]
    assert a.observed_days == 28 and a.n_out == 5 and a.n_in == 1 and a.distinct_callees == 3
    assert a.calls_out_per_day == pytest.approx(5 / 28)
    assert a.callees_per_day == pytest.approx(3 / 28)
    assert a.out_in_ratio == pytest.approx(5 / 2)
    assert a.short_call_share == pytest.approx(1 / 5)  # only the 5 s call is under 15 s
    assert a.night_call_share == pytest.approx(2 / 5)  # 23:30 and 02:00
    assert a.callee_entropy == pytest.approx(math.log(5) - 4 * math.log(2) / 5)
    assert a.unique_callee_ratio == pytest.approx(3 / 5)
    assert a.repeat_callee_share == pytest.approx(4 / 5)
    assert a.callee_regions == 2  # 330100 and 110100
    assert a.mean_duration_s == pytest.approx(47.0)
    assert a.active_days == 4
    assert a.key_region_days == 1 and a.key_region_share == pytest.approx(2 / 6)  # 533100 and 533102
    assert a.away_share == pytest.approx(4 / 6) and a.cities_visited == 3
    assert a.paired_card == 1 and a.pair_shared_days == 2 and a.pair_apart_share == pytest.approx(0.5)
    assert a.card_age_days == 40
    assert a.sms_out_per_day == pytest.approx(10 / 28) and a.sms_out_in_ratio == pytest.approx(10 / 3)
    b = f.loc[B]
    assert b.observed_days == 6 and b.card_age_days == 6  # activated 2026-10-05
    assert b.n_out == 2 and b.n_in == 1 and b.calls_out_per_day == pytest.approx(2 / 6)
    assert b.pair_shared_days == 2 and b.pair_apart_share == pytest.approx(0.5)
    c = f.loc[C]
    assert c.n_out == 0 and c.n_in == 0 and c.active_days == 0 and c.paired_card == 0
    assert c.card_age_days == 283 and c.calls_out_per_day == 0.0
    assert set(FEATURES) <= set(f.columns)


def test_a_record_on_or_after_the_scoring_date_changes_nothing(tmp_path: Path) -> None:
    before = _features(hand_cdr(tmp_path / "plain"))
    after = _features(hand_cdr(tmp_path / "future", future=True))
    assert list(after.index) == list(before.index)  # the card activated on the scoring date is not scored
    pd.testing.assert_frame_equal(before, after)


def test_configuration_changes_what_counts(tmp_path: Path) -> None:
    folder = hand_cdr(tmp_path / "cdr")
    no_keys = _features(folder, config=FeatureConfig(key_regions=()))
    assert no_keys.loc[A].key_region_days == 0
    short_window = _features(folder, config=FeatureConfig(window_days=7))  # from 2026-10-04
    assert short_window.loc[A].n_out == 1 and short_window.loc[A].observed_days == 7
    earlier = _features(folder, as_of=date(2026, 10, 2))
    assert earlier.loc[A].n_out == 3 and B not in earlier.index  # 09-12 is inside this window


def test_default_scoring_date_is_the_day_after_the_last_record(tmp_path: Path) -> None:
    con = duckdb.connect()
    open_cdr(hand_cdr(tmp_path / "cdr"), con)
    assert default_as_of(con) == date(2026, 10, 7)
