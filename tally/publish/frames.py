"""Build the published tables as pandas frames from the stages' row objects and columns, in a fixed order
and dtype."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable

import pandas as pd

from schemas.tables import ORDER, columns
from tally.documents import Extracted, QuarantineRow
from tally.columns import pool as _pool
from tally.model import Conflict, Fact

if TYPE_CHECKING:
    import pyarrow as pa


# Column dtypes that pandas cannot infer from an all-NULL column.
_FLOAT = {"value", "low", "high", "measured_start", "measured_end"}
_INT = {"start", "end", "n_chars", "n_bytes", "n_mentions"}
_LIST = {"mention_ids", "doc_ids", "fact_ids"}
_NULLABLE_INT = {"page", "n_pages"}


def _get(row: Any, name: str) -> Any:
    """A field of a dataclass row or a key of a mapping row (None when absent)."""
    if isinstance(row, dict):
        return row.get(name)
    if dataclasses.is_dataclass(row):
        return getattr(row, name, None)
    return dict(row).get(name)


def _column(records: list[Any], name: str) -> list[Any]:
    """One field of every row: read by attribute when the rows are all one dataclass, else row by row."""
    kinds = {type(r) for r in records}
    if len(kinds) == 1:
        kind = kinds.pop()
        if dataclasses.is_dataclass(kind):
            return [getattr(r, name, None) for r in records]
        if kind is dict:
            return [r.get(name) for r in records]
    return [_get(r, name) for r in records]


def frame(table: str, rows: Iterable[Any]) -> pd.DataFrame:
    """Rows (dataclasses or dicts) -> a frame with exactly the table's columns, sorted deterministically."""
    # Read fields straight off the rows, column by column: a dict per row (dataclasses.asdict) cost
    # several times the rows themselves for the mentions of a very large document.
    records = rows if isinstance(rows, list) else list(rows)
    cols = columns(table)
    data: dict[str, Any] = {}
    for c in cols:
        values = _column(records, c)
        if c in _FLOAT:
            data[c] = pd.Series([float("nan") if v is None else float(v) for v in values], dtype="float64")
        elif c in _INT:
            data[c] = pd.Series(values, dtype="int64")
        elif c in _NULLABLE_INT:
            data[c] = pd.Series(values, dtype="Int64")
        elif c in _LIST:
            data[c] = pd.Series([list(v) for v in values], dtype="object")
        else:
            data[c] = pd.Series(values, dtype="str")
    df = pd.DataFrame(data, columns=cols)
    if len(df):
        df = df.sort_values(ORDER[table], kind="mergesort").reset_index(drop=True)
    return df


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def document_rows(extracted: list[Extracted], previous: pd.DataFrame | None, now: str | None = None) -> list[dict]:
    """Rows of the documents table; ingested_at is carried over for bytes already published."""
    first_seen = {}
    if previous is not None and len(previous):
        first_seen = dict(zip(previous["doc_id"], previous["ingested_at"]))
    stamp = now or _now()
    rows = []
    for e in extracted:
        d = e.doc
        rows.append({
            "doc_id": d.doc_id, "path": d.path, "title": d.source.title, "publisher": d.source.publisher,
            "published": d.source.published, "language": d.source.language, "license": d.source.license,
            "encoding": d.encoding, "n_bytes": d.n_bytes, "n_chars": len(d.text), "sha256": d.doc_id,
            "ingested_at": first_seen.get(d.doc_id, stamp),
        })
    return rows


# An Arrow chunk of a passages column is cut after this many rows (the text column: or characters, whichever
# comes first): it bounds the Python strings alive at once while a large document's passages go into Arrow.
TEXT_CHUNK_ROWS, TEXT_CHUNK_CHARS = 4096, 1 << 22
def text_column(texts: dict[str, str], doc_ids: pd.Series, starts: pd.Series, ends: pd.Series) -> pd.Series:
    """document[start:end] for each row, as a "str" Series built straight into Arrow chunk by chunk: a Python
    string per passage of a very large document, all alive at once, would cost more than its text."""
    import pandas as pd
    import pyarrow as pa

    chunks: list[pa.Array] = []
    batch: list[str] = []
    size = 0
    lo_all, hi_all = starts.to_numpy(), ends.to_numpy()
    for i in range(0, len(doc_ids), TEXT_CHUNK_ROWS):
        ids = doc_ids.iloc[i:i + TEXT_CHUNK_ROWS].tolist()
        for d, a, b in zip(ids, lo_all[i:i + TEXT_CHUNK_ROWS].tolist(), hi_all[i:i + TEXT_CHUNK_ROWS].tolist()):
            batch.append(texts[d][a:b])
            size += b - a
            if size >= TEXT_CHUNK_CHARS:
                chunks.append(pa.array(batch, type=pa.large_string(), memory_pool=_pool()))
                batch, size = [], 0
        chunks.append(pa.array(batch, type=pa.large_string(), memory_pool=_pool()))
        batch, size = [], 0
    return pd.Series(pd.array(pa.chunked_array(chunks, type=pa.large_string()), dtype="str"), index=doc_ids.index)


def passages_frame(extracted: list[Extracted]) -> pd.DataFrame:
    """The passages table: the documents' passage columns (tally.columns) in table order, with each passage's
    text cut from its document chunk by chunk (see text_column)."""
    df = _concat_frame(extracted, "passages")
    df["text"] = text_column({e.doc.doc_id: e.doc.text for e in extracted}, df["doc_id"], df["start"], df["end"])
    return with_layout(df, extracted)


def _mentions_frame(extracted: list[Extracted]) -> pd.DataFrame:
    """The mentions table: the documents' mention columns in table order."""
    return with_layout(_concat_frame(extracted, "mentions"), extracted)


def _concat_frame(extracted: list[Extracted], name: str) -> pd.DataFrame:
    """One table of every document, in table order: each document's rows are in order already, and every
    table order starts with doc_id, so the documents' tables are put in doc_id order (no sort of the rows)."""
    import pyarrow as pa

    from tally.columns import mention_schema, passage_schema

    schema = passage_schema() if name == "passages" else mention_schema()
    tables = [e.passages if name == "passages" else e.mentions for e in sorted(extracted, key=lambda e: e.doc.doc_id)]
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    return _arrow_frame(table.select([c for c in columns(name) if c in table.column_names]))


def _arrow_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as a frame with the dtypes tables.frame gives ("str" columns stay in Arrow)."""
    import pandas as pd
    import pyarrow as pa

    cols = {}
    for name in table.column_names:
        col = table[name]
        if pa.types.is_large_string(col.type):
            cols[name] = pd.Series(pd.array(col, dtype="str"))
        elif pa.types.is_floating(col.type):
            cols[name] = pd.Series(col.to_numpy(), dtype="float64")  # nulls become NaN
        else:
            cols[name] = pd.Series(col.to_numpy(), dtype="int64")
    return pd.DataFrame(cols)


def assemble(extracted: list[Extracted], facts: list[Fact], conflicts: list[Conflict],
             quarantine: list[QuarantineRow], previous_documents: pd.DataFrame | None = None,
             now: str | None = None, rejected: Iterable[dict] = ()) -> dict[str, pd.DataFrame]:
    """Every published table as a frame, in publishing order."""
    import pyarrow as pa

    from tally.publish.frames import frame

    tables = {
        "documents": frame("documents", document_rows(extracted, previous_documents, now)),
        "passages": passages_frame(extracted),
        "mentions": _mentions_frame(extracted),
        "facts": frame("facts", facts),
        "conflicts": frame("conflicts", conflicts),
        "quarantine": frame("quarantine", quarantine),
        "rejected_rows": frame("rejected_rows", rejected),
        "document_texts": document_texts_frame(extracted),
    }
    # Arrow's allocator keeps freed blocks from building the columns for reuse; for a very large document
    # that is a few hundred MB of resident memory nothing will use before publishing. Give it back.
    pa.default_memory_pool().release_unused()
    return tables


def with_layout(df: pd.DataFrame, extracted: list[Extracted]) -> pd.DataFrame:
    """Fill a passages or mentions frame's page (PDF) and heading_path (HTML) from each start offset."""
    import numpy as np
    import pandas as pd

    page = pd.Series(pd.NA, index=df.index, dtype="Int64")
    path = pd.Series(None, index=df.index, dtype="str")
    laid_out = {e.doc.doc_id: e.doc.layout for e in extracted if e.doc.layout is not None}
    if laid_out and len(df):
        doc_ids, starts = df["doc_id"].to_numpy(dtype=object), df["start"].to_numpy()
        for doc_id, layout in laid_out.items():
            rows = np.flatnonzero(doc_ids == doc_id)
            if not len(rows):
                continue
            if layout.pages:
                page.iloc[rows] = np.searchsorted(np.asarray(layout.pages), starts[rows], side="right")
            if layout.headings:
                at, paths = layout.heading_paths()
                k = np.searchsorted(np.asarray(at), starts[rows], side="right") - 1
                path.iloc[rows] = [paths[i] if i >= 0 else None for i in k.tolist()]
    df["page"], df["heading_path"] = page, path
    return df


def document_texts_frame(extracted: list[Extracted]) -> pd.DataFrame:
    """The document_texts table: the extracted text of each converted (PDF, HTML) document."""
    import pandas as pd

    rows = sorted(((e.doc.doc_id, e.doc.layout) for e in extracted if e.doc.layout is not None), key=lambda r: r[0])
    return pd.DataFrame({
        "doc_id": pd.Series([d for d, _ in rows], dtype="str"),
        "format": pd.Series([c.format for _, c in rows], dtype="str"),
        "n_pages": pd.Series([len(c.pages) if c.format == "pdf" else None for _, c in rows], dtype="Int64"),
        "text": pd.Series([c.text for _, c in rows], dtype="str"),
    })
