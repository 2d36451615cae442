"""Access to the shipped package data (``qiandai/knowledge/data``) through importlib.resources.

Nothing here reads outside the installed package, so the knowledge base builds the same way from a
wheel, a zip or a source checkout.
"""

from __future__ import annotations

import re
from importlib import resources
from importlib.resources.abc import Traversable

from qiandai.knowledge.xlsx_layout import batch_from_name

_PACKAGE = "qiandai.knowledge"


def data_root() -> Traversable:
    """Return the ``data`` folder of the package."""
    return resources.files(_PACKAGE).joinpath("data")


def data_file(*parts: str) -> Traversable:
    """Return one shipped file, e.g. ``data_file("nhsa", "rule_catalog_2025.json")``."""
    node = data_root()
    for part in parts:
        node = node.joinpath(part)
    return node


def _batch_order(name: str) -> tuple[int, str]:
    match = re.search(r"(\d+)", name)
    return (int(match.group(1)) if match else 10_000, name)


def shipped_json_batches() -> list[Traversable]:
    """The JSON batches in load order: ``batch_01`` … ``batch_17``, then the ``updates_*`` files."""
    folder = data_file("nhsa", "batches")
    files = [f for f in folder.iterdir() if f.name.endswith(".json") and f.name != "index.json"]
    batches = sorted((f for f in files if f.name.startswith("batch_")), key=lambda f: _batch_order(f.name))
    updates = sorted((f for f in files if not f.name.startswith("batch_")), key=lambda f: f.name)
    return batches + updates


def shipped_official_xlsx() -> list[Traversable]:
    """The official xlsx files, ordered by batch number (``第一批`` … ``第八批-4``)."""
    folder = data_file("nhsa", "official-xlsx")
    files = [f for f in folder.iterdir() if f.name.endswith(".xlsx")]

    def key(f: Traversable) -> tuple[int, str]:
        batch = batch_from_name(f.name)
        return (batch if batch is not None else 10_000, f.name)

    return sorted(files, key=key)
