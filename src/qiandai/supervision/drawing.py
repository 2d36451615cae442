"""The random-draw algorithm of 双随机、一公开, pure and reproducible from its recorded inputs.

Targets: institutions, optionally stratified by type (proportional allocation, largest remainder) and
weighted by risk score (Efraimidis–Spirakis: key = u^(1/w), w = 1 + risk score, top k keys win).
Inspectors: for each target in draw order, one expert per requested speciality, never an expert whose
employer is the target (and, when configured, none from the target's region or in an excluded pair),
the least-loaded eligible expert being chosen at random. Every random number comes from
``random.Random(f"{seed}:{purpose}")``, so the same seed and inputs give the same result anywhere.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from qiandai.domain.errors import InvalidInputError


@dataclass(frozen=True)
class Candidate:
    code: str
    kind: str
    region_code: str
    risk_score: Decimal


@dataclass(frozen=True)
class ExpertInput:
    id: int
    speciality: str
    employer_code: str | None
    region_code: str


@dataclass(frozen=True)
class Picked:
    code: str
    stratum: str
    weight: Decimal
    inspectors: tuple[tuple[int, str], ...]  # (expert id, speciality)


def allocate(sizes: dict[str, int], total: int) -> dict[str, int]:
    """Split ``total`` over strata proportionally to their sizes (largest remainder, stable order)."""
    n = sum(sizes.values())
    if total > n:
        raise InvalidInputError(f"抽取数量 {total} 超过候选机构数 {n}")
    exact = {k: Decimal(total) * v / n for k, v in sizes.items()} if n else {}
    out = {k: int(v) for k, v in exact.items()}
    rest = total - sum(out.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - out[k]), k))[:rest]:
        out[k] += 1
    return out


def pick_targets(
    candidates: list[Candidate], count: int, seed: str, *, stratify: bool, weighted: bool
) -> list[tuple[Candidate, str, Decimal]]:
    strata: dict[str, list[Candidate]] = defaultdict(list)
    for c in sorted(candidates, key=lambda c: c.code):
        strata[c.kind if stratify else "all"].append(c)
    quota = allocate({k: len(v) for k, v in strata.items()}, count)
    picked: list[tuple[Candidate, str, Decimal]] = []
    for stratum in sorted(strata):
        rng = random.Random(f"{seed}:targets:{stratum}")
        keyed = []
        for c in strata[stratum]:
            w = (Decimal(1) + c.risk_score) if weighted else Decimal(1)
            u = rng.random()
            keyed.append((u ** (1.0 / float(w)), c, w))
        keyed.sort(key=lambda t: (-t[0], t[1].code))
        picked.extend((c, stratum, w) for _, c, w in keyed[: quota[stratum]])
    return picked


def pick_inspectors(
    targets: list[Candidate],
    experts: list[ExpertInput],
    specialities: list[str],
    seed: str,
    exclusions: dict[str, Any],
) -> list[tuple[tuple[int, str], ...]]:
    rng = random.Random(f"{seed}:inspectors")
    load: dict[int, int] = defaultdict(int)
    pairs = {(int(e), str(c)) for e, c in exclusions.get("excluded_pairs", [])}
    out = []
    for t in targets:
        chosen: list[tuple[int, str]] = []
        for spec in specialities:
            eligible = [
                e
                for e in sorted(experts, key=lambda e: e.id)
                if e.speciality == spec
                and all(e.id != x for x, _ in chosen)
                and not (exclusions.get("exclude_same_institution", True) and e.employer_code == t.code)
                and not (exclusions.get("exclude_same_region") and e.region_code == t.region_code)
                and (e.id, t.code) not in pairs
            ]
            if not eligible:
                raise InvalidInputError(f"专家库中没有可派往 {t.code} 的「{spec}」专家（已排除利益冲突）")
            least = min(load[e.id] for e in eligible)
            expert = rng.choice([e for e in eligible if load[e.id] == least])
            load[expert.id] += 1
            chosen.append((expert.id, spec))
        out.append(tuple(chosen))
    return out


def run(inputs: dict[str, Any], params: dict[str, Any], seed: str) -> list[Picked]:
    """The draw from recorded ``inputs`` (institutions, experts, exclusions) and ``params``."""
    candidates = [Candidate(c[0], c[1], c[2], Decimal(c[3])) for c in inputs["institutions"]]
    experts = [ExpertInput(int(e[0]), e[1], e[2], e[3]) for e in inputs["experts"]]
    targets = pick_targets(
        candidates,
        int(params["count"]),
        seed,
        stratify=bool(params.get("stratify")),
        weighted=bool(params.get("weighted")),
    )
    specs = list(params.get("specialities") or [])
    teams = pick_inspectors([c for c, _, _ in targets], experts, specs, seed, inputs.get("exclusions", {}))
    return [Picked(c.code, s, w, team) for (c, s, w), team in zip(targets, teams, strict=True)]
