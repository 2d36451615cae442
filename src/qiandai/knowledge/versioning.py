"""Merging one file into the knowledge base state: what is added, changed, superseded, unchanged.

The state is a dict kp_id → PointState (the whole knowledge base: a few thousand points). A merge
mutates it and returns a `MergeResult`; the store then writes it back in bulk.

Rules:
- A JSON point with a new kp_id is added; with a known kp_id and different content it replaces the
  old version (kept in history). Parameters that came from an official xlsx survive a new text unless
  the new text states the parameter itself.
- An xlsx row is matched to a known point of its rule class (same batch first, then active points,
  then any): by national codes (and surgery group), else by item name. A match gets the row's
  parameters (origin 'xlsx'); no match adds a point with a derived kp_id.
- After every merge, ``superseded_by`` is recomputed from ``supersedes`` and a superseding point
  inherits every parameter of the point it supersedes that its own text or xlsx does not give. When
  both texts are the same (up to punctuation/width), the superseded point's parameters win outright.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from qiandai.knowledge.records import PointState, XlsxRow, derived_kp_id
from qiandai.knowledge.textparams import normalize, same_text
from qiandai.knowledge.xlsx_layout import XlsxContent


@dataclass
class MergeResult:
    """Outcome of one merge. ``history`` holds the previous versions of changed points."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    unresolved_supersedes: list[str] = field(default_factory=list)
    history: list[PointState] = field(default_factory=list)


State = dict[str, PointState]


def merge_json(state: State, incoming: list[PointState], load_id: int) -> MergeResult:
    """Merge the points of a JSON batch into ``state``."""
    snapshot = _snapshot(state)
    originals: dict[str, PointState] = {}
    touched: list[str] = []
    for point in incoming:
        old = state.get(point.kp_id)
        touched.append(point.kp_id)
        if old is not None and old.content() == point.content():
            continue
        new = point.copy()
        if old is not None:
            originals.setdefault(point.kp_id, old.copy())
            kept = {k: v for k, v in old.params.items() if old.origin.get(k) == "xlsx"}
            new.params = {**kept, **point.params}
            new.origin = {**dict.fromkeys(kept, "xlsx"), **point.origin}
        state[point.kp_id] = new
    return _finish(state, snapshot, originals, touched, load_id)


def merge_xlsx(
    state: State, content: XlsxContent, source: str, load_id: int, catalog: CatalogLookup
) -> MergeResult:
    """Merge the rows of an official xlsx into ``state`` (enrich matches, add the rest)."""
    snapshot = _snapshot(state)
    matcher = _Matcher(state, content.batch)
    originals: dict[str, PointState] = {}
    touched: list[str] = []
    for row in content.rows:
        kp_id = matcher.match(row)
        if kp_id is None:
            codes = [c for c, _ in row.codes] or [row.item_name or str(row.source_row)]
            kp_id = derived_kp_id(row.new_rule_class, codes)
        point = state.get(kp_id)
        if point is None:
            point = _new_point(kp_id, row, content, source, catalog)
            state[kp_id] = point
        elif kp_id in snapshot:
            originals.setdefault(kp_id, point.copy())
        for key, value in row.params.items():
            point.params[key] = value
            point.origin[key] = "xlsx"
        touched.append(kp_id)
    return _finish(state, snapshot, originals, touched, load_id)


CatalogLookup = Callable[[str], tuple[str | None, str | None, str | None]]


def _new_point(
    kp_id: str, row: XlsxRow, content: XlsxContent, source: str, catalog: CatalogLookup
) -> PointState:
    gz_code, level1, level2 = catalog(row.new_rule_class)
    return PointState(
        kp_id=kp_id,
        rule_class=row.new_rule_class,
        gz_code=gz_code,
        level1=level1,
        level2=level2,
        item_name=row.item_name,
        constraint_text=row.text,
        batch=content.batch,
        batch_tag=content.batch_tag,
        source_file=source,
        source_row=row.source_row,
        codes=list(row.codes),
    )


class _Matcher:
    """Finds the existing point an xlsx row describes; pools are tried from narrowest to widest."""

    def __init__(self, state: State, batch: int | None) -> None:
        self._state = state
        self._batch = batch
        self._indexes: dict[tuple[str, ...], list[dict[Hashable, list[str]]]] = {}

    def _pools(self, classes: tuple[str, ...]) -> list[dict[Hashable, list[str]]]:
        if classes not in self._indexes:
            points = [p for p in self._state.values() if p.rule_class in classes]
            pools: list[Iterable[PointState]] = []
            if self._batch is not None:
                pools.append([p for p in points if p.batch == self._batch])
            pools.append([p for p in points if p.superseded_by is None])
            pools.append(points)
            self._indexes[classes] = [_index(pool) for pool in pools]
        return self._indexes[classes]

    def match(self, row: XlsxRow) -> str | None:
        keys: list[Hashable] = []
        codes = _codes_key(row.codes)
        if codes is not None:
            if row.group is not None:
                keys.append(("codes+group", codes, normalize(row.group)))
            keys.append(("codes", codes))
        if row.item_name:
            keys.append(("name", normalize(row.item_name)))
        for index in self._pools(row.rule_classes):
            for key in keys:
                hits = index.get(key, [])
                if len(hits) == 1:
                    return hits[0]
        return None


def _codes_key(codes: Iterable[tuple[str, str]]) -> Hashable | None:
    pairs = list(codes)
    if not pairs:
        return None
    if any(role in ("A", "B") for _, role in pairs):
        return tuple(sorted(pairs, key=lambda cr: cr[1]))
    return frozenset(c for c, _ in pairs)


def _index(points: Iterable[PointState]) -> dict[Hashable, list[str]]:
    index: dict[Hashable, list[str]] = defaultdict(list)
    for p in points:
        codes = _codes_key(p.codes)
        if codes is not None:
            index[("codes", codes)].append(p.kp_id)
            index[("codes+group", codes, normalize(p.constraint_text))].append(p.kp_id)
        if p.item_name:
            index[("name", normalize(p.item_name))].append(p.kp_id)
    return index


def link_supersedes(state: State) -> list[str]:
    """Recompute ``superseded_by`` and inheritance; return kp_ids whose ``supersedes`` is unknown."""
    unresolved: list[str] = []
    for point in state.values():
        point.superseded_by = None
    for point in state.values():
        if point.supersedes:
            target = state.get(point.supersedes)
            if target is None or target is point:
                unresolved.append(point.kp_id)
            else:
                target.superseded_by = point.kp_id
    done: set[str] = set()
    for point in state.values():
        _inherit(state, point, done)
    return unresolved


def _inherit(state: State, point: PointState, done: set[str]) -> None:
    if point.kp_id in done:
        return
    done.add(point.kp_id)
    for key in [k for k, o in point.origin.items() if o == "inherited"]:
        del point.params[key]
        del point.origin[key]
    pred = state.get(point.supersedes) if point.supersedes else None
    if pred is None or pred is point:
        return
    _inherit(state, pred, done)
    same = same_text(point.constraint_text, pred.constraint_text)
    for key, value in pred.params.items():
        if key not in point.params or (same and point.origin.get(key) == "text"):
            point.params[key] = value
            point.origin[key] = "inherited"


Snapshot = dict[str, tuple[str | None, dict[str, Any], dict[str, str]]]


def _snapshot(state: State) -> Snapshot:
    """What a merge may change in points it does not touch: superseded_by, params, origins."""
    return {kp: (p.superseded_by, dict(p.params), dict(p.origin)) for kp, p in state.items()}


def _finish(
    state: State, snapshot: Snapshot, originals: dict[str, PointState], touched: list[str], load_id: int
) -> MergeResult:
    """Relink supersedes, then classify every point against the state before the merge."""
    result = MergeResult(unresolved_supersedes=link_supersedes(state))
    for kp_id, point in state.items():
        before = snapshot.get(kp_id)
        if before is None:
            point.load_id = load_id
            result.added.append(kp_id)
            continue
        old_superseded_by, old_params, old_origin = before
        original = originals.get(kp_id)
        content_changed = original is not None and original.content() != point.content()
        if content_changed or old_params != point.params:
            if original is None:
                original = point.copy()
                original.params, original.origin = old_params, old_origin
            original.superseded_by = old_superseded_by
            result.history.append(original)
            point.load_id = load_id
            result.changed.append(kp_id)
        if old_superseded_by is None and point.superseded_by is not None:
            result.superseded.append(kp_id)
    moved = set(result.added) | set(result.changed)
    result.unchanged = sorted({kp for kp in touched if kp not in moved})
    return result
