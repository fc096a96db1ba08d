"""Versioned, verifiable releases of the published warehouse: making them, listing and verifying them.

A release is a folder `releases/<version>/` holding one Parquet file per table, a Frictionless
`datapackage.json` (Table Schemas generated from the Pandera models and vocabularies, with each
file's bytes and sha256), `SHA256SUMS` (checkable with `sha256sum -c`), `CHANGES.md` (what changed
since the previous release) and, when the build has one, the review report. `releases/index.json`
lists every release. A release is built in a hidden folder next to its final place, checked against
its own hashes, then renamed: it is complete or absent, never half-written.
The descriptor is written by tally/publish/datapackage.py, CHANGES.md by tally/publish/changelog.py, and
pulling a release back by tally/publish/pull.py.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import duckdb
import pyarrow.parquet as pq

from tally.publish.builds import sha256_file
from tally.publish.changelog import changes_markdown
from tally.publish.datapackage import datapackage

# schemas.tables and tally.publish.warehouse import pandera (seconds at start-up): making a release needs
# them, pulling one does not, so they are imported inside the functions that use them.

RELEASES = "releases"
INDEX = "index.json"
DATAPACKAGE = "datapackage.json"
SUMS = "SHA256SUMS"
CHANGES = "CHANGES.md"
REPORT = "report.html"
VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")


class ReleaseError(Exception):
    """A release that cannot be made, found, downloaded or verified; the message names the file."""


class AlreadyReleased(ReleaseError):
    """The published build is already in a release (make_release(force=True) releases it again)."""


@dataclass(frozen=True)
class Release:
    """A finished release: where it is, its version and size."""

    version: str
    path: Path
    created: str
    bytes: int
    files: int
    previous: str | None


# ---------------------------------------------------------------- hashing and small helpers


def _write_atomic(path: Path, text: str) -> None:
    """Replace a file with new text in one rename, so readers see the old or the new file."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _json(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def check_version(version: str) -> str:
    """The version if it is a safe folder name (letters, digits, . _ -), else ReleaseError."""
    if not VERSION_RE.match(version) or ".." in version:
        raise ReleaseError(f"version {version!r}: use letters, digits, '.', '_' and '-' (e.g. 2026.11.28)")
    return version


def default_version(taken: set[str], today: datetime) -> str:
    """Date-based version YYYY.MM.DD (UTC), with .1, .2, ... when that date is taken."""
    base = today.strftime("%Y.%m.%d")
    if base not in taken:
        return base
    n = 1
    while f"{base}.{n}" in taken:
        n += 1
    return f"{base}.{n}"


@contextmanager
def _locked(releases: Path) -> Iterator[None]:
    """Serialize release makers on one releases folder (version choice and index update)."""
    releases.mkdir(parents=True, exist_ok=True)
    with open(releases / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        for p in releases.glob(".tmp-*"):  # left by a killed release: with the lock held, nobody is writing it
            shutil.rmtree(p, ignore_errors=True)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# ---------------------------------------------------------------- releases folder and index


def releases_dir(warehouse: Path) -> Path:
    """Where a warehouse keeps its releases (outside builds/, which is garbage-collected)."""
    return warehouse / RELEASES


def list_releases(releases: Path) -> list[dict[str, Any]]:
    """Every complete release in a local releases folder, oldest first (by created, then version)."""
    out = []
    if not releases.is_dir():
        return out
    for d in releases.iterdir():
        dp = d / DATAPACKAGE
        if d.name.startswith(".") or not d.is_dir() or not dp.is_file():
            continue
        meta = json.loads(dp.read_text(encoding="utf-8"))
        out.append({"version": meta["version"], "created": meta["created"], "path": f"{d.name}/",
                    "datapackage_sha256": sha256_file(dp), "bytes": sum(r.get("bytes", 0) for r in meta["resources"]),
                    "rows": {r["name"]: r.get("tally:rows") for r in meta["resources"]}})
    return sorted(out, key=lambda r: (r["created"], r["version"]))


def write_index(releases: Path) -> dict[str, Any]:
    """Rebuild releases/index.json from the release folders (so a crash can never leave it wrong for long)."""
    entries = list_releases(releases)
    index = {"name": "tally", "latest": entries[-1]["version"] if entries else None, "releases": entries}
    _write_atomic(releases / INDEX, _json(index))
    return index


# ---------------------------------------------------------------- making a release


def write_sums(folder: Path) -> None:
    """SHA256SUMS for every file in the folder (sha256sum format: hash, two spaces, name)."""
    names = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != SUMS)
    (folder / SUMS).write_text("".join(f"{sha256_file(folder / n)}  {n}\n" for n in names), encoding="utf-8")


def read_sums(text: str) -> dict[str, str]:
    """File name -> hex sha256 from SHA256SUMS text; ReleaseError on a malformed line or unsafe name."""
    out = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        m = re.match(r"^([0-9a-f]{64}) [ *](.+)$", line)
        if not m or "/" in m.group(2) or m.group(2).startswith("."):
            raise ReleaseError(f"{SUMS}: malformed line {line!r}")
        out[m.group(2)] = m.group(1)
    return out


def verify(folder: Path) -> None:
    """Check every file of a release against SHA256SUMS and datapackage.json; ReleaseError naming the first bad file."""
    sums_path = folder / SUMS
    if not sums_path.is_file():
        raise ReleaseError(f"{folder}: {SUMS} is missing")
    sums = read_sums(sums_path.read_text(encoding="utf-8"))
    for name, digest in sums.items():
        path = folder / name
        if not path.is_file():
            raise ReleaseError(f"{name}: missing from {folder}")
        if sha256_file(path) != digest:
            raise ReleaseError(f"{name}: sha256 does not match {SUMS}")
    dp = json.loads((folder / DATAPACKAGE).read_text(encoding="utf-8"))
    for r in dp["resources"]:
        path = folder / r["path"]
        if r["path"] not in sums:
            raise ReleaseError(f"{r['path']}: listed in {DATAPACKAGE} but not in {SUMS}")
        if path.stat().st_size != r["bytes"] or f"sha256:{sha256_file(path)}" != r["hash"]:
            raise ReleaseError(f"{r['path']}: bytes or sha256 do not match {DATAPACKAGE}")


def _copy_tables(build: Path, dest: Path) -> list[str]:
    """Rewrite each table of the build as Parquet in dest (models' schemas, zstd, deterministic bytes)."""
    from schemas.tables import MODELS
    from tally.publish import warehouse as wh

    names = []
    for table in MODELS:
        src = build / wh.PARQUET_DIR / f"{table}.parquet"
        if not src.exists():
            continue
        wh.write_parquet(table, pq.read_table(src).to_pandas(), dest / f"{table}.parquet")
        names.append(table)
    if "facts" not in names:
        raise ReleaseError(f"{build}: the build has no facts table; run `tally run` again")
    return names


VIEW_FILES = ("series", "facts_full")  # analyst views also released as Parquet (not Data Package resources)


def _copy_views(build: Path, dest: Path) -> list[dict[str, Any]]:
    """Write the build's series and facts_full views as Parquet, rows in a stable order; their manifest entries."""
    con = duckdb.connect(str(build / "tally.duckdb"), read_only=True)
    out = []
    try:
        for view in VIEW_FILES:
            table = con.sql(f"SELECT * FROM {view} ORDER BY ALL").arrow().read_all()
            path = dest / f"{view}.parquet"
            pq.write_table(table, path, compression="zstd")
            out.append({"name": view, "path": path.name, "bytes": path.stat().st_size,
                        "hash": f"sha256:{sha256_file(path)}", "tally:rows": table.num_rows})
    except duckdb.Error as exc:
        raise ReleaseError(f"{build / 'tally.duckdb'}: cannot export the views: {exc}") from exc
    finally:
        con.close()
    return out


def _release_report(build: Path, warehouse: Path, raw: Path | None, dest: Path) -> None:
    """The build's review report, written now if the build has none (every release carries one)."""
    if (build / REPORT).is_file():
        shutil.copyfile(build / REPORT, dest / REPORT)
        return
    from tally.review.report import render_report

    try:
        (dest / REPORT).write_text(render_report(warehouse, raw or Path("raw")), encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise ReleaseError(f"{REPORT}: cannot write the review report: {exc}") from exc


def _released_as(releases: Path, existing: list[dict[str, Any]], build_id: str) -> str | None:
    """The latest release version that holds this build, if any."""
    for r in reversed(existing):
        meta = json.loads((releases / r["path"] / DATAPACKAGE).read_text(encoding="utf-8"))
        if meta.get("tally:build_id") == build_id:
            return r["version"]
    return None


def make_release(warehouse: Path, version: str | None = None, raw: Path | None = Path("raw"),
                 now: datetime | None = None, force: bool = False, wait: bool | None = None) -> Release:
    """Release the published build of a warehouse as releases/<version>/ (complete or absent). While a run
    publishes, wait for it (wait=False: WarehouseBusy naming it; None: TALLY_LOCK_WAIT decides)."""
    from tally.publish import warehouse as wh
    from tally.publish.builds import warehouse_lock

    if wh.current_build(warehouse) is None:  # checked before locking too: the lock would create the folder
        raise ReleaseError(f"no published build in {warehouse} (run `tally run` first)")
    # the warehouse lock keeps a concurrent run's clean-up from moving the build away while it is copied
    with warehouse_lock(warehouse, holder="tally release", wait=wait):
        return _release_current(warehouse, version, raw, now, force)


def _release_current(warehouse: Path, version: str | None, raw: Path | None, now: datetime | None,
                     force: bool) -> Release:
    """make_release with the warehouse lock held."""
    from tally.publish import warehouse as wh

    build = wh.current_build(warehouse)
    if build is None:
        raise ReleaseError(f"no published build in {warehouse} (run `tally run` first)")
    now = now or _source_date() or datetime.now(timezone.utc)
    releases = releases_dir(warehouse)
    with _locked(releases):
        existing = list_releases(releases)
        done = _released_as(releases, existing, build.name)
        if done and not force:
            raise AlreadyReleased(f"build {build.name} is already released as {done} in {releases} "
                                  "(nothing changed since; --force releases it again)")
        taken = {r["version"] for r in existing} | {p.name for p in releases.iterdir()}
        if version is None:
            version = default_version(taken, now)
        elif check_version(version) in taken:
            raise ReleaseError(f"release {version} already exists in {releases}")
        tmp = releases / f".tmp-{version}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            tables = _copy_tables(build, tmp)
            previous = (existing[-1]["version"], releases / existing[-1]["path"]) if existing else None
            (tmp / CHANGES).write_text(changes_markdown(version, tmp, previous), encoding="utf-8")
            _release_report(build, warehouse, raw, tmp)
            views = _copy_views(build, tmp)
            created = now.strftime("%Y-%m-%dT%H:%M:%SZ")
            package = datapackage(version, created, tmp, tables, raw, build.name) | {"tally:views": views}
            (tmp / DATAPACKAGE).write_text(_json(package), encoding="utf-8")
            write_sums(tmp)
            verify(tmp)
            final = releases / version
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        write_index(releases)
    size = sum(p.stat().st_size for p in final.iterdir())
    return Release(version, final, created, size, len(list(final.iterdir())), previous[0] if previous else None)



def _source_date() -> datetime | None:
    """SOURCE_DATE_EPOCH (reproducible-builds.org) as a UTC datetime, or None when unset."""
    import os

    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return datetime.fromtimestamp(int(raw), timezone.utc) if raw.isdigit() else None
