"""The scenario builder: dedicated persons, their visits, extra fee lines and ground-truth rows.

Injected cases and hard negatives are built on persons created for them (no background visits),
so that a case is isolated: the only rule it can fire is the one it was built for. The builder
collects plain Python lists (a few thousand cases); the fee lines of the scenario visits come
from the same vectorised generator as the background, then the scenario's extra lines are added.

A truth row names its fee lines through a *selector* resolved once the lines exist:
``("extra", ids)`` the given extra lines, ``("all",)`` every line of the visit,
``("days", d1, d2)`` the visit's lines dated in [d1, d2], ``("code_day", code, day)`` the visit's
lines of one code on one date, ``("none",)`` no line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qiandai.datagen.catalog import Catalog
from qiandai.datagen.common import DAY, HOUR, YEAR_END, YEAR_START, IntArray, add_years, date_of
from qiandai.datagen.fees import Lines, price_of
from qiandai.datagen.institutions import HOSPITAL, Institutions
from qiandai.datagen.population import Population, avoid_feb29
from qiandai.datagen.visits import (
    INPATIENT,
    OUTPATIENT,
    PHARMACY_SCENE,
    Visits,
    times_for,
)

Selector = tuple[Any, ...]


@dataclass
class TruthCase:
    """One ground-truth row before its fee lines are resolved (``visit`` is scenario-local)."""

    rule_id: str
    visit: int
    selector: Selector
    note: str


@dataclass(frozen=True)
class Patch:
    """A column value that replaces the generated one for a scenario visit (``visit`` scenario-local)."""

    visit: int
    table: str
    column: str
    value: Any
    add: bool = False  # True: ``value`` (a Decimal) is added to the generated amount


@dataclass
class ScenarioBuilder:
    """Collects dedicated persons, visits, extra lines and truth cases of the scenarios."""

    rng: np.random.Generator
    cat: Catalog
    insts: Institutions
    person_birth: list[int] = field(default_factory=list)
    person_gender: list[int] = field(default_factory=list)
    person_insutype: list[int] = field(default_factory=list)
    visits: dict[str, list[int]] = field(default_factory=dict)
    extra: dict[str, list[int]] = field(default_factory=dict)
    truth: list[TruthCase] = field(default_factory=list)
    patches: list[Patch] = field(default_factory=list)
    operations: dict[str, list[Any]] = field(default_factory=dict)
    origin: int = 1

    # -- persons ---------------------------------------------------------------------------------

    def person(self, gender: int, birth: int, insutype: int = 310) -> int:
        """A new dedicated person (scenario-local id)."""
        self.person_birth.append(int(avoid_feb29(np.array([birth]))[0]))
        self.person_gender.append(int(gender))
        self.person_insutype.append(int(insutype))
        return len(self.person_birth) - 1

    def person_aged(self, gender: int, age: int, insutype: int = 310) -> int:
        """A person aged ``age`` on 1 January (``age`` + 1 after a birthday early in January)."""
        birth = add_years(YEAR_START, -age - 1) + int(self.rng.integers(1, 20))
        return self.person(gender, birth, insutype)

    def random_gender(self) -> int:
        return int(self.rng.integers(1, 3))

    # -- institutions and days -------------------------------------------------------------------

    def inst(self, kind: int, tier: int | None = None, exclude: int = -1) -> int:
        choices = self.insts.of_kind(kind, tier)
        choices = choices[choices != exclude]
        return int(choices[self.rng.integers(0, len(choices))])

    def hospital(self, min_tier: int = 1, exclude: int = -1) -> int:
        choices = self.insts.of_kind(HOSPITAL)
        choices = choices[(self.insts.tier[choices] >= min_tier) & (choices != exclude)]
        return int(choices[self.rng.integers(0, len(choices))])

    def day(self, lo_margin: int = 10, hi_margin: int = 40) -> int:
        """A random day of the year with room before and after it."""
        return int(self.rng.integers(YEAR_START + lo_margin, YEAR_END - hi_margin))

    def day_in_months(self, first_month: int = 3, hi_margin: int = 40) -> int:
        """A random day from ``first_month`` on (boundary ages stay clear of 29 February)."""
        start = (np.datetime64(f"2025-{first_month:02d}-01") - np.datetime64("1970-01-01")).astype(int)
        return int(self.rng.integers(int(start), YEAR_END - hi_margin))

    # -- visits ----------------------------------------------------------------------------------

    def visit(
        self,
        person: int,
        inst: int,
        med_type: int,
        begin_day: int,
        nights: int = 0,
        *,
        begin: int | None = None,
        end: int | None = None,
        diag: int = -1,
        die: bool = False,
        refl_old: int = -1,
        bed_only: tuple[int, int] = (-1, 0),
        low_standard: bool = False,
    ) -> int:
        """A scenario visit; times are drawn as for the background unless given."""
        scene = INPATIENT if med_type in (21, 52) else PHARMACY_SCENE if med_type == 41 else OUTPATIENT
        b, e = times_for(self.rng, np.array([scene]), np.array([begin_day]), np.array([nights]))
        row = {
            "person": person,
            "inst": inst,
            "med_type": med_type,
            "scene": scene,
            "begin": int(b[0]) if begin is None else begin,
            "end": int(e[0]) if end is None else end,
            "nights": nights if scene == INPATIENT else 0,
            "diag": diag,
            "diag2": -1,
            "diag3": -1,
            "dscg_way": (5 if die else 1) if scene == INPATIENT else 0,
            "die": int(die),
            "refl_old": refl_old,
            "bed_only_start": bed_only[0],
            "bed_only_len": bed_only[1],
            "low_standard": int(low_standard),
            "origin": self.origin,
        }
        if begin is not None and end is None and scene != INPATIENT:
            row["end"] = begin + (900 if scene == PHARMACY_SCENE else 2 * HOUR)
        for key, value in row.items():
            self.visits.setdefault(key, []).append(int(value))
        return len(self.visits["person"]) - 1

    def begin_of(self, visit: int) -> int:
        return self.visits["begin"][visit]

    def end_of(self, visit: int) -> int:
        return self.visits["end"][visit]

    def add_line(
        self,
        visit: int,
        code: int,
        time: int,
        cnt: int = 1,
        pric: int | None = None,
        *,
        delay: int = 600,
        prd: int | None = None,
        rx: int = -1,
        adj: int = 0,
    ) -> int:
        """An extra fee line on a scenario visit; returns its extra-line id.

        ``delay``: seconds to the upload (crte_time); ``prd``: prd_days (default as the background: 7
        for a drug outside a stay, 1 in a stay, NULL for other items); ``rx``: prescription group
        (-1 NULL); ``adj``: cents added to det_item_fee_sumamt beyond cnt × pric.
        """
        default_pric, ceil = price_of(self.cat, self.insts, code, self.visits["inst"][visit])
        if prd is None:
            drug = bool(self.cat.is_drug[code])
            prd = (1 if self.visits["scene"][visit] == INPATIENT else 7) if drug else 0
        row = {
            "visit": visit,
            "code": code,
            "time": time,
            "cnt": cnt,
            "pric": default_pric if pric is None else pric,
            "ceil": ceil,
            "delay": delay,
            "prd": prd,
            "rx": rx,
            "adj": adj,
        }
        for key, value in row.items():
            self.extra.setdefault(key, []).append(int(value))
        return len(self.extra["visit"]) - 1

    def case(self, rule_id: str, visit: int, selector: Selector, note: str) -> None:
        self.truth.append(TruthCase(rule_id, visit, selector, note))

    def patch(self, visit: int, table: str, column: str, value: Any, add: bool = False) -> None:
        """Overwrite (or, with ``add``, increase) one column of a scenario visit's row in ``MDTRT_D``,
        ``SETL_D`` or (main diagnosis row) ``SETL_LIST_DIAG_D`` after the tables are built."""
        self.patches.append(Patch(visit, table, column, value, add))

    def operation(self, visit: int, code: str, name: str, time: int, main: bool = True) -> None:
        """A row of ``SETL_LIST_OPRN_D`` for a scenario visit."""
        row = {"visit": visit, "code": code, "name": name, "time": time, "main": int(main)}
        for key, value in row.items():
            self.operations.setdefault(key, []).append(value)

    # -- results ---------------------------------------------------------------------------------

    def add_persons(self, pop: Population) -> int:
        """Append the dedicated persons to ``pop``; return the id of the first."""
        start = len(pop)
        if self.person_birth:
            pop.add(
                self.rng,
                np.array(self.person_birth, dtype=np.int64),
                np.array(self.person_gender, dtype=np.int64),
                np.array(self.person_insutype, dtype=np.int64),
            )
        return start

    def visit_table(self, person_offset: int, visit_offset: int) -> Visits:
        """The scenario visits as a :class:`Visits` (person and visit ids made run-wide)."""
        if not self.visits:
            return Visits.empty()
        cols = {k: np.array(v, dtype=np.int64) for k, v in self.visits.items()}
        cols["person"] = cols["person"] + person_offset
        cols["refl_old"] = np.where(cols["refl_old"] >= 0, cols["refl_old"] + visit_offset, -1)
        cols["die"] = cols["die"].astype(bool)
        return Visits(**cols)

    def extra_lines(self, visit_offset: int) -> tuple[Lines, IntArray]:
        """The extra lines (visit ids made run-wide) and their extra-line ids."""
        if not self.extra:
            return Lines.empty(), np.zeros(0, dtype=np.int64)
        cols = {k: np.array(v, dtype=np.int64) for k, v in self.extra.items()}
        cols["visit"] = cols["visit"] + visit_offset
        return Lines(**cols), np.arange(len(cols["visit"]), dtype=np.int64)


def ts(day: int, hour: int, minute: int = 0, second: int = 0) -> int:
    """Seconds of a wall-clock time on a day."""
    return day * DAY + hour * HOUR + minute * 60 + second


def date_text(day: int) -> str:
    return date_of(day).isoformat()
