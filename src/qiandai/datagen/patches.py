"""Applying the scenario builder's patches and operations to the national tables.

Most scenarios change fee lines; the data-quality scenarios change one column of a visit's row
(a corrupted diagnosis code, a settlement total that disagrees with its lines …) or add operation
rows. The builder records these as :class:`qiandai.datagen.scenarios.Patch` objects and operation
records; this module writes them into the built Arrow tables, vectorised per column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qiandai.datagen.common import affine_ids, id_strings, take, timestamps
from qiandai.datagen.scenarios import Patch
from qiandai.datagen.tables import OPRN_SCHEMA, VisitIds
from qiandai.datagen.visits import Visits


def _rows(table: pa.Table, name: str, ids: VisitIds, visits: list[int]) -> list[int]:
    """Row of each global visit id in ``table`` (the main diagnosis row for the diagnosis table)."""
    if name in ("MDTRT_D", "SETL_D"):
        return visits
    wanted = ids.mdtrt.take(pa.array(visits, type=pa.int64()))
    mask = pc.and_(pc.is_in(table["mdtrt_id"], wanted), pc.equal(table["maindiag_flag"], "1"))
    rows = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
    where = dict(zip(table["mdtrt_id"].take(pa.array(rows)).to_pylist(), rows.tolist(), strict=True))
    return [where[m] for m in wanted.to_pylist()]


def apply_patches(
    table: pa.Table, name: str, patches: Sequence[Patch], visit_offset: int, ids: VisitIds
) -> pa.Table:
    """Return ``table`` with the patches of national table ``name`` applied (last patch wins)."""
    mine = [p for p in patches if p.table == name]
    if not mine:
        return table
    by_column: dict[tuple[str, bool], dict[int, Any]] = {}
    for p in mine:
        by_column.setdefault((p.column, p.add), {})[visit_offset + p.visit] = p.value
    for (column, add), values in by_column.items():
        visits = sorted(values)
        rows = _rows(table, name, ids, visits)
        order = np.argsort(rows)
        mask = np.zeros(table.num_rows, dtype=bool)
        mask[rows] = True
        col = table[column].combine_chunks()
        replacement = pa.array([values[visits[i]] for i in order], type=col.type)
        if add:
            current = col.take(pa.array(np.array(rows)[order]))
            replacement = pc.add(current, replacement).cast(col.type)
        table = table.set_column(
            table.schema.get_field_index(column),
            column,
            pc.replace_with_mask(col, pa.array(mask), replacement),
        )
    return table


def oprn_table(ops: dict[str, list[Any]], visit_offset: int, v: Visits, ids: VisitIds) -> pa.Table:
    """``SETL_LIST_OPRN_D`` rows of the scenario operations (the background bills no surgery)."""
    if not ops:
        return OPRN_SCHEMA.empty_table()
    visit = np.array(ops["visit"], dtype=np.int64) + visit_offset
    row = np.arange(len(visit), dtype=np.int64)
    return pa.table(
        {
            "setl_list_oprn_id": id_strings("OP", affine_ids(row, 4_256_249, 8_800_000_000_000_000, 16), 16),
            "setl_id": ids.setl.take(pa.array(visit)),
            "psn_no": ids.psn.take(pa.array(v.person[visit])),
            "mdtrt_id": ids.mdtrt.take(pa.array(visit)),
            "main_oprn_flag": take(["0", "1"], np.array(ops["main"], dtype=np.int64)),
            "oprn_oprt_name": pa.array(ops["name"], type=pa.string()),
            "oprn_oprt_code": pa.array(ops["code"], type=pa.string()),
            "oprn_oprt_date": timestamps(np.array(ops["time"], dtype=np.int64)),
        },
        schema=OPRN_SCHEMA,
    )
