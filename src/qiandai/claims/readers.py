"""Find the national table files in an input folder and expose each to DuckDB as a relation.

:func:`locate_tables` maps the folder's files to :class:`TableSpec` keys (stem = national table name,
case-insensitive; ``.csv``, ``.parquet`` or ``.xlsx``). :func:`open_source` makes one file readable
in a DuckDB connection as a temporary relation with the file's columns (names lower-cased) plus
``_row`` (1-based data row number, header not counted):

* Parquet is scanned by DuckDB in place, keeping its physical types (no text round trip);
* CSV is read by pyarrow as text (UTF-8 with or without BOM, else GB18030/GBK; delimiter ``,``,
  tab, ``|`` or ``;`` sniffed from the header line), only the typed columns being materialised;
* xlsx (first sheet) is read with openpyxl in read-only mode as text; blank rows are skipped but
  keep their place in the numbering, so ``_row`` + 1 is the spreadsheet row.

Anything unreadable raises :class:`InputFileError` with a Chinese reason.
"""

from __future__ import annotations

import codecs
import csv
import itertools
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from qiandai.claims.schema import TABLES
from qiandai.claims.validation import quote_ident, sql_str
from qiandai.domain.errors import InputFileError, InputFolderError

TABLE_EXTENSIONS = (".csv", ".parquet", ".xlsx")
_SAMPLE_BYTES = 1 << 20
_DELIMITERS = (",", "\t", "|", ";")


@dataclass(frozen=True, slots=True)
class FolderLayout:
    """The table files of an input folder (by :attr:`TableSpec.key`) and the files it ignores."""

    files: dict[str, Path]
    ignored: tuple[Path, ...]


def locate_tables(folder: Path) -> FolderLayout:
    """Map the files of ``folder`` to national tables.

    Raises :class:`InputFolderError` when the folder does not exist, when one table has two files
    (``FEE_LIST_D.csv`` and ``fee_list_d.parquet``) or when a required table has none. Other files
    are returned as ignored; hidden files (``.DS_Store``) and Excel lock files (``~$…``) are skipped.
    """
    if not folder.is_dir():
        raise InputFolderError(f"输入目录不存在：{folder}")
    by_name = {spec.national_name.upper(): spec for spec in TABLES}
    found: dict[str, list[Path]] = {}
    ignored: list[Path] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "~$")) or not path.is_file():
            continue
        spec = by_name.get(path.stem.upper())
        if spec is None or path.suffix.lower() not in TABLE_EXTENSIONS:
            ignored.append(path)
            continue
        found.setdefault(spec.key, []).append(path)
    for spec in TABLES:
        paths = found.get(spec.key, [])
        if len(paths) > 1:
            names = "、".join(p.name for p in paths)
            raise InputFolderError(f"表 {spec.national_name}（{spec.label}）有多个文件：{names}")
    missing = [s for s in TABLES if s.required_table and s.key not in found]
    if missing:
        names = ", ".join(f"{s.national_name}（{s.label}）" for s in missing)
        raise InputFolderError(f"输入目录 {folder} 缺少必需的表：{names}")
    return FolderLayout({key: paths[0] for key, paths in found.items()}, tuple(ignored))


@dataclass(frozen=True, slots=True)
class Source:
    """One input file as a DuckDB relation.

    ``relation`` names a temporary view or registered Arrow table holding the file's columns plus
    ``_row``, every column under its lower-cased name; ``header`` lists all column names of the file
    (lower-cased, in file order) and ``types`` the DuckDB type of each column that ``relation``
    offers (text formats offer only the columns asked for).
    """

    path: Path
    relation: str
    header: tuple[str, ...]
    types: dict[str, str]

    def column(self, name: str) -> str:
        """SQL referencing the file column ``name`` (lower-cased) in :attr:`relation`."""
        return quote_ident(name)


def normalise_name(name: object) -> str:
    """Header cell → column name: text, BOM and surrounding blanks removed, lower case."""
    return str(name if name is not None else "").replace("\ufeff", "").strip().lower()


def check_unique_header(path: Path, header: Sequence[str]) -> None:
    """Raise :class:`InputFileError` when the header repeats a column name."""
    counts = Counter(h for h in header if h)
    duplicates = sorted(h for h, n in counts.items() if n > 1)
    if duplicates:
        raise InputFileError(str(path), "列名重复：" + ", ".join(duplicates))


@contextmanager
def open_source(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, wanted: Sequence[str]
) -> Iterator[Source]:
    """Expose ``path`` in ``con`` as the relation ``name`` for the duration of the ``with`` block.

    ``wanted`` lists the (lower-case) columns the caller will read; text formats materialise only
    those, Parquet exposes all of them lazily.
    """
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        source = _parquet_source(con, path, name)
        try:
            yield source
        finally:
            con.execute(f"DROP VIEW IF EXISTS {quote_ident(name)}")
        return
    header, table = _read_csv(path, wanted) if suffix == ".csv" else _read_xlsx(path, wanted)
    con.register(name, table)
    try:
        types = {f.name: "VARCHAR" for f in table.schema if f.name != "_row"}
        yield Source(path, name, header, types)
    finally:
        con.unregister(name)


def _parquet_source(con: duckdb.DuckDBPyConnection, path: Path, name: str) -> Source:
    scan = f"read_parquet({sql_str(str(path))}, file_row_number = true)"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
    except duckdb.Error as err:
        raise InputFileError(str(path), f"无法读取 Parquet 文件（{_first_line(err)}）") from err
    actual = [str(row[0]) for row in described if row[0] != "file_row_number"]
    types = {str(row[0]): str(row[1]) for row in described if row[0] != "file_row_number"}
    header = tuple(normalise_name(a) for a in actual)
    check_unique_header(path, header)
    columns = ", ".join(f"{quote_ident(a)} AS {quote_ident(normalise_name(a))}" for a in actual)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {quote_ident(name)} AS "
        f"SELECT {columns}, file_row_number + 1 AS _row FROM {scan}"
    )
    return Source(path, name, header, {normalise_name(a): t for a, t in types.items()})


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


def detect_encoding(sample: bytes) -> str:
    """'utf-8' when ``sample`` decodes as UTF-8 (a cut-off last character allowed), else 'gb18030'."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _read_csv(path: Path, wanted: Sequence[str]) -> tuple[tuple[str, ...], pa.Table]:
    try:
        with path.open("rb") as fh:
            sample = fh.read(_SAMPLE_BYTES)
    except OSError as err:
        raise InputFileError(str(path), f"无法读取文件（{err.strerror or err}）") from err
    if not sample.strip():
        raise InputFileError(str(path), "文件为空")
    encoding = detect_encoding(sample)
    try:
        return _read_csv_as(path, sample, encoding, wanted)
    except pa.ArrowInvalid as err:
        if encoding == "utf-8" and "UTF8" in str(err):  # non-UTF-8 bytes past the sample
            try:
                return _read_csv_as(path, sample, "gb18030", wanted)
            except pa.ArrowInvalid as err2:
                err = err2
        raise InputFileError(str(path), f"CSV 文件无法解析（{_first_line(err)}）") from err
    except (UnicodeDecodeError, LookupError) as err:
        raise InputFileError(str(path), "无法识别文件编码（应为 UTF-8 或 GBK/GB18030）") from err


def _read_csv_as(
    path: Path, sample: bytes, encoding: str, wanted: Sequence[str]
) -> tuple[tuple[str, ...], pa.Table]:
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=False)
    first_line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    delimiter = max(_DELIMITERS, key=first_line.count)
    raw_names = next(csv.reader([first_line], delimiter=delimiter), [])
    header = tuple(normalise_name(n) for n in raw_names)
    check_unique_header(path, header)
    include = [raw for raw, norm in zip(raw_names, header, strict=True) if norm in set(wanted)]
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(encoding=encoding, block_size=16 << 20),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in raw_names},
            include_columns=include,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    table = table.rename_columns([normalise_name(n) for n in table.column_names])
    rows = pa.array(range(1, table.num_rows + 1), type=pa.int64())
    return header, table.append_column("_row", rows)


def cell_text(value: object) -> str | None:
    """An xlsx cell value as the text a CSV export would hold (integral floats without '.0')."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time | Decimal | int):
        return str(value)
    return str(value)


def _read_xlsx(path: Path, wanted: Sequence[str]) -> tuple[tuple[str, ...], pa.Table]:
    from openpyxl import load_workbook  # imported lazily: only xlsx input needs it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises zipfile, KeyError, InvalidFileException …
        raise InputFileError(
            str(path), f"无法读取 xlsx 文件（{_first_line(err) or type(err).__name__}）"
        ) from err
    try:
        if not book.worksheets:
            raise InputFileError(str(path), "xlsx 文件没有工作表")
        rows = book.worksheets[0].iter_rows(values_only=True)
        first = next(rows, None)
        if first is None:
            raise InputFileError(str(path), "文件为空")
        header = tuple(normalise_name(v) for v in first)
        check_unique_header(path, header)
        keep = [i for i, h in enumerate(header) if h in set(wanted)]
        columns: list[list[str | None]] = [[] for _ in keep]
        numbers: list[int] = []
        for number, row in enumerate(itertools.islice(rows, None), start=1):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                continue
            numbers.append(number)
            for out, i in zip(columns, keep, strict=True):
                out.append(cell_text(row[i]) if i < len(row) else None)
    finally:
        book.close()
    arrays = [pa.array(c, type=pa.string()) for c in columns] + [pa.array(numbers, type=pa.int64())]
    names = [header[i] for i in keep] + ["_row"]
    return header, pa.Table.from_arrays(arrays, names=names)
