"""Pulling a release back (from a local releases folder or over HTTP), verifying it, and loading it into DuckDB.

A release is untrusted input. Its hashes prove that the files are the ones the publisher sealed, not
that the publisher meant well, so everything a release names is checked before use: versions and
folder paths (a local source's release may not leave the source folder), file names, table and column
names (only those of the Pandera models in schemas/tables.py, quoted by DuckDB's rules all the same),
sizes (reading stops at the declared `bytes`) and time (one deadline for the whole pull). Files land
in a hidden `.pull-*` folder under `into/`, removed on every exit and, after a kill, by the next pull.
"""
from __future__ import annotations

import json
import os
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path, PurePosixPath
from typing import Any, Callable

import duckdb

from tally.publish.builds import sha256_file
from tally.publish.release import (DATAPACKAGE, INDEX, SUMS, ReleaseError, _locked, check_version, read_sums,
                                   verify)

Progress = Callable[[str, int, int | None], None]  # (file name, bytes so far, total or None)
MAX_META_BYTES = 64 << 20    # index.json, datapackage.json, SHA256SUMS: no honest one comes near this
MAX_EXTRA_BYTES = 512 << 20  # files listed only in SHA256SUMS (CHANGES.md, report.html)
PARTIAL_PREFIX = ".pull-"


class ReleaseRefused(ReleaseError):
    """A release whose descriptor is malformed or names something tally does not expect (exit 2)."""


class Deadline:
    """One overall time limit for a pull; `left()` raises ReleaseError once it has passed."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.at = None if not seconds else time.monotonic() + seconds

    def left(self, name: str) -> float | None:
        """Seconds left (None: no limit); ReleaseError naming the file being read when none are."""
        if self.at is None:
            return None
        left = self.at - time.monotonic()
        if left <= 0:
            raise ReleaseError(f"{name}: the pull's --timeout of {self.seconds:g} s ran out")
        return left


def quote_ident(name: str) -> str:
    """A SQL identifier quoted by DuckDB's rules (double quotes, embedded quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def _sql_string(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _is_url(source: str) -> bool:
    return urllib.parse.urlparse(source).scheme in ("http", "https")


def _safe_name(name: Any, what: str) -> str:
    """A plain file name inside a release folder (no folders, no hidden files), else ReleaseRefused."""
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name.startswith(".") or "\0" in name:
        raise ReleaseRefused(f"{what}: unsafe file name {name!r}")
    return name


def _folder(source: str, entry: dict[str, Any], version: str) -> str:
    """The release's folder inside the source, refused when it is absolute or leaves the source."""
    raw = entry.get("path", f"{version}/")
    parts = PurePosixPath(raw.strip("/")).parts if isinstance(raw, str) else ()
    if (not isinstance(raw, str) or raw.startswith("/") or "\\" in raw or not parts
            or any(p in ("..", ".") or p.startswith(".") for p in parts)):
        raise ReleaseRefused(f"{INDEX}: release {version} has an unsafe path {raw!r}")
    folder = "/".join(parts)
    if not _is_url(source):
        root = Path(source).resolve()
        if not (root / folder).resolve().is_relative_to(root):
            raise ReleaseRefused(f"{INDEX}: release {version} path {raw!r} leaves {source}")
    return folder


def _join(source: str, *parts: str) -> str:
    """A file inside a releases source (URL or local folder); a local file may not lead out of the source."""
    if _is_url(source):
        return source.rstrip("/") + "/" + "/".join(urllib.parse.quote(p) for p in parts)
    path = Path(source, *parts)
    if path.is_symlink() and not path.resolve().is_relative_to(Path(source).resolve()):
        raise ReleaseRefused(f"{parts[-1]}: a link out of {source}")
    return str(path)


def _too_big(name: str, limit: int) -> ReleaseError:
    return ReleaseError(f"{name}: larger than the {limit} bytes expected; stopped reading")


def _copy_local(src: str, dest: Path, limit: int, progress: Progress | None) -> None:
    """Copy a local file, at most `limit` bytes (a file that grows or a FIFO cannot fill the disk)."""
    name = dest.name
    if not Path(src).is_file():
        raise ReleaseError(f"{name}: not found at {src}")
    done = 0
    with open(src, "rb") as fh, open(dest, "wb") as out:
        while chunk := fh.read(1 << 20):
            done += len(chunk)
            if done > limit:
                raise _too_big(name, limit)
            out.write(chunk)
    if progress:
        progress(name, done, done)


def _download(src: str, dest: Path, limit: int, deadline: Deadline, timeout: float,
              progress: Progress | None) -> None:
    """One HTTP download, at most `limit` bytes, within the deadline (read1: a trickle cannot stall a read)."""
    name = dest.name
    left = deadline.left(name)
    with urllib.request.urlopen(src, timeout=min(timeout, left or timeout)) as resp, open(dest, "wb") as out:
        total = int(resp.headers["Content-Length"]) if (resp.headers.get("Content-Length") or "").isdigit() else None
        if total is not None and total > limit:
            raise _too_big(name, limit)
        done = 0
        while True:
            deadline.left(name)
            chunk = resp.read1(1 << 16)
            if not chunk:
                return
            done += len(chunk)
            if done > limit:
                raise _too_big(name, limit)
            out.write(chunk)
            if progress:
                progress(name, done, total)


def fetch(src: str, dest: Path, progress: Progress | None = None, attempts: int = 4, backoff: float = 0.5,
          timeout: float = 30, max_bytes: int = MAX_META_BYTES, deadline: Deadline | None = None) -> None:
    """Copy one file (at most max_bytes) from a URL or local path to dest, retrying network errors with
    exponential backoff, all within the deadline."""
    deadline = deadline or Deadline(None)
    if not _is_url(src):
        return _copy_local(src, dest, max_bytes, progress)
    name = dest.name
    for attempt in range(1, attempts + 1):
        try:
            return _download(src, dest, max_bytes, deadline, timeout, progress)
        except urllib.error.HTTPError as exc:
            if exc.code < 500 or attempt == attempts:
                raise ReleaseError(f"{name}: HTTP {exc.code} from {src}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            deadline.left(name)
            if attempt == attempts:
                reason = getattr(exc, "reason", exc)
                raise ReleaseError(f"{name}: cannot download {src}: {reason}") from exc
        left = deadline.left(name)
        time.sleep(min(backoff * 2 ** (attempt - 1), left if left is not None else 1e9))


def _json_file(path: Path) -> Any:
    """A downloaded JSON file, or ReleaseRefused naming it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ReleaseRefused(f"{path.name}: not valid JSON ({exc})") from exc


def check_index(index: Any) -> dict[str, dict[str, Any]]:
    """version -> entry from index.json, or ReleaseRefused naming what is malformed."""
    if not isinstance(index, dict) or not isinstance(index.get("releases", []), list):
        raise ReleaseRefused(f"{INDEX}: expected an object with a 'releases' list")
    entries = {}
    for r in index.get("releases", []):
        if not isinstance(r, dict) or not isinstance(r.get("version"), str):
            raise ReleaseRefused(f"{INDEX}: a release entry without a version: {str(r)[:80]!r}")
        entries[r["version"]] = r
    if index.get("latest") is not None and not isinstance(index["latest"], str):
        raise ReleaseRefused(f"{INDEX}: 'latest' must be a version")
    return entries


def check_package(package: Any) -> list[dict[str, Any]]:
    """The resources of a datapackage.json, refused (ReleaseRefused) unless every table, file and column
    is one tally's models define: names from a release are never trusted into SQL or paths."""
    from schemas.tables import MODELS  # pandera: seconds, and only once a descriptor has arrived

    resources = package.get("resources") if isinstance(package, dict) else None
    if not isinstance(resources, list) or not resources:
        raise ReleaseRefused(f"{DATAPACKAGE}: expected an object with a non-empty 'resources' list")
    seen = set()
    for r in resources:
        name = r.get("name") if isinstance(r, dict) else None
        if not isinstance(name, str) or name not in MODELS or name in seen:
            raise ReleaseRefused(f"{DATAPACKAGE}: unexpected table name {str(name)[:120]!r} (expected one of "
                                 f"{', '.join(MODELS)}, each once)")
        seen.add(name)
        if r.get("path") != f"{name}.parquet":
            raise ReleaseRefused(f"{DATAPACKAGE}: table {name}: path {str(r.get('path'))[:120]!r} is not {name}.parquet")
        if not isinstance(r.get("bytes"), int) or r["bytes"] < 0 or not isinstance(r.get("hash"), str):
            raise ReleaseRefused(f"{DATAPACKAGE}: table {name}: 'bytes' and 'hash' are required")
        fields = (r.get("schema") or {}).get("fields") if isinstance(r.get("schema"), dict) else None
        if not isinstance(fields, list) or not all(isinstance(f, dict) for f in fields):
            raise ReleaseRefused(f"{DATAPACKAGE}: table {name}: no schema fields")
        allowed = set(MODELS[name].to_schema().columns)
        for f in fields:
            if f.get("name") not in allowed:
                raise ReleaseRefused(f"{DATAPACKAGE}: table {name}: unexpected column name {str(f.get('name'))[:120]!r}")
            if not isinstance(f.get("description", ""), str):
                raise ReleaseRefused(f"{DATAPACKAGE}: table {name}: column {f['name']}: description must be text")
        if not isinstance(r.get("description", ""), str):
            raise ReleaseRefused(f"{DATAPACKAGE}: table {name}: description must be text")
    return resources


def _intact(folder: Path, entry: dict[str, Any]) -> bool:
    """An existing copy matches the index's datapackage hash, its descriptor and every file's hash."""
    dp = folder / DATAPACKAGE
    if not dp.is_file() or sha256_file(dp) != entry.get("datapackage_sha256"):
        return False
    try:
        check_package(_json_file(dp))
        verify(folder)
    except ReleaseError:
        return False
    return True


def clean_partials(into: Path) -> None:
    """Remove the hidden folders of pulls that were killed (call with into/ locked)."""
    for p in into.iterdir():
        if p.name.startswith(PARTIAL_PREFIX) and p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)


def pull(source: str, version: str | None = None, into: Path = Path("releases"),
         progress: Progress | None = None, timeout: float | None = None) -> Path:
    """Download a release from a releases folder or URL into into/<version>/ and verify every file.

    Files land in a hidden folder first; on any mismatch it is deleted and ReleaseError names the file.
    An existing into/<version>/ is kept only when it matches the index; otherwise it is downloaded again.
    """
    into.mkdir(parents=True, exist_ok=True)
    deadline = Deadline(timeout)
    with _locked(into):
        clean_partials(into)
        work = into / f"{PARTIAL_PREFIX}{uuid.uuid4().hex[:8]}"
        work.mkdir()
        try:
            return _pull(source, version, into, work, progress, deadline)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def _pull(source: str, version: str | None, into: Path, work: Path, progress: Progress | None,
          deadline: Deadline) -> Path:
    fetch(_join(source, INDEX), work / INDEX, deadline=deadline)
    index = _json_file(work / INDEX)
    entries = check_index(index)
    version = version or index.get("latest")
    if not version or version not in entries:
        have = ", ".join(entries) or "none"
        raise ReleaseError(f"release {version or '(latest)'} not found in {source} (available: {have})")
    check_version(version)
    entry = entries[version]
    folder = _folder(source, entry, version)
    final = into / version
    if final.is_dir() and not final.is_symlink() and _intact(final, entry):
        return final
    stage = work / version
    stage.mkdir()
    get = lambda name, limit: fetch(_join(source, folder, name), stage / name, progress,  # noqa: E731
                                    max_bytes=limit, deadline=deadline)
    get(DATAPACKAGE, MAX_META_BYTES)
    if sha256_file(stage / DATAPACKAGE) != entry.get("datapackage_sha256"):
        raise ReleaseError(f"{DATAPACKAGE}: sha256 does not match {INDEX}")
    resources = check_package(_json_file(stage / DATAPACKAGE))
    get(SUMS, MAX_META_BYTES)
    try:
        sums = read_sums((stage / SUMS).read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ReleaseRefused(f"{SUMS}: not text") from exc
    declared = {r["path"]: r["bytes"] for r in resources}
    for name in dict.fromkeys([*declared, *(n for n in sums if n != DATAPACKAGE)]):
        get(_safe_name(name, "release"), declared.get(name, MAX_EXTRA_BYTES))
    verify(stage)
    if final.exists() or final.is_symlink():  # a damaged or stale copy: replace it
        os.rename(final, work / f"old-{version}")
    os.rename(stage, final)
    return final


def load(release: Path, db: Path) -> list[str]:
    """Load a verified release's Parquet files into a DuckDB file, with COMMENTs and the analyst views.

    Table and column names are checked against the models before the database is even opened.
    """
    from tally.publish.dimensions import create_views

    resources = check_package(_json_file(release / DATAPACKAGE))
    con = duckdb.connect(str(db))
    loaded = []
    try:
        for r in resources:
            name = quote_ident(r["name"])
            src = _sql_string(str((release / r["path"]).resolve()))
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_parquet({src})")
            con.execute(f"COMMENT ON TABLE {name} IS {_sql_string(r.get('description', ''))}")
            for f in r["schema"]["fields"]:
                con.execute(f"COMMENT ON COLUMN {name}.{quote_ident(f['name'])} IS {_sql_string(f.get('description', ''))}")
            loaded.append(r["name"])
        create_views(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return loaded
