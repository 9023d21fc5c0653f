"""Raw data layer: every raw file comes from a local mirror or its canonical URL, checksum-verified.

The registry ``datasets.yaml`` (package data) lists each dataset's files with a pinned SHA-256
(or, for the Obermeyer patient file, the git blob SHA-1 its repository publishes) and a canonical
public URL, optionally a member of a zip archive. :func:`fetch_raw_file` copies the file from
``<mirror>/<dataset>/<name>`` or downloads it, verifies it, and moves it atomically into place.
A file that is absent or has the wrong checksum raises one clear message naming the dataset,
the expected checksum and how to supply the file.

**A copy is verified wherever it is read, not only where it is fetched.** A verified copy under
``resources/raw/`` can be damaged later (cut at a line end by a full disk or an interrupted
``rsync``, edited by hand); the damaged file still parses, so a loader would build a smaller table
while every count written beside it claims the full one. :func:`fetch_raw_file` therefore writes a
*verification record* beside the copy it places (:func:`record_path`: the hidden file
``.<name>.verified.json`` holding the digest, size and ``mtime_ns`` of the copy, written after the
copy is in place), and every consumer calls :func:`check_raw_copy` (workflow scripts:
:func:`check_raw_inputs` on ``snakemake.input``) before any work. The check costs one ``stat`` while
size and ``mtime_ns`` equal the record's; otherwise the copy is hashed again and accepted (and the
record refreshed) only when it still has the pinned checksum. The record is a dotfile that no rule
declares, so Snakemake neither tracks nor removes it; a missing or stale record only costs one
re-hash.
"""
from __future__ import annotations

import functools
import io
import json
import os
import shutil
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from fairopt.core.errors import ChecksumError, ConfigError, DataError
from fairopt.core.io import atomic_path, git_blob_sha1, sha256_file, write_json

__all__ = ["RawFile", "registry", "raw_file", "required_files", "verify", "fetch_raw_file", "download_bytes",
           "check_obtainable",
           "record_path", "check_raw_copy", "check_raw_inputs", "is_raw_copy"]


@dataclass(frozen=True)
class RawFile:
    """One registered raw file."""

    dataset: str
    name: str
    sha256: str | None = None
    git_blob_sha1: str | None = None
    url: str | None = None
    member: str | None = None
    optional: bool = False

    @property
    def kind(self) -> str:
        """Which checksum is pinned: ``"sha256"`` or ``"git blob SHA-1"``."""
        return "sha256" if self.sha256 else "git blob SHA-1"

    @property
    def digest(self) -> str | None:
        """The pinned checksum (hex)."""
        return self.sha256 or self.git_blob_sha1

    @property
    def expected(self) -> str:
        """Human-readable expected checksum."""
        return f"{self.kind} {self.digest}"

    def actual(self, path: str | Path) -> str:
        """The checksum of ``path`` of the kind that is pinned (hashes the whole file)."""
        return sha256_file(path) if self.sha256 else git_blob_sha1(path)

    def mirror_path(self, mirror: str | Path) -> Path:
        return Path(mirror) / self.dataset / self.name


@functools.lru_cache(maxsize=1)
def registry() -> dict[str, dict[str, RawFile]]:
    """The registry: ``{dataset: {file name: RawFile}}``."""
    text = resources.files("fairopt.data").joinpath("datasets.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    out: dict[str, dict[str, RawFile]] = {}
    for dataset, spec in raw.items():
        out[dataset] = {name: RawFile(dataset, name, f.get("sha256"), f.get("git_blob_sha1"),
                                      f.get("url"), f.get("member"), bool(f.get("optional", False)))
                        for name, f in spec["files"].items()}
    return out


def raw_file(dataset: str, name: str) -> RawFile:
    """Look up a registered file, with a clear error for unknown names."""
    reg = registry()
    if dataset not in reg:
        raise ConfigError(f"unknown dataset {dataset!r}; registered: {sorted(reg)}")
    if name not in reg[dataset]:
        raise ConfigError(f"dataset {dataset!r} has no file {name!r}; registered: {sorted(reg[dataset])}")
    return reg[dataset][name]


def required_files() -> list[RawFile]:
    """Every registered file that the full workflow fetches (optional files excluded)."""
    return [f for files in registry().values() for f in files.values() if not f.optional]


def verify(entry: RawFile, path: str | Path) -> None:
    """Check ``path`` against the pinned checksum of ``entry``.

    Raises:
        ChecksumError: Digest differs (message names dataset, file, both digests).
    """
    actual = entry.actual(path)
    if actual != entry.digest:
        raise ChecksumError(
            f"dataset {entry.dataset!r} file {entry.name!r} at {path}: {entry.kind} is {actual}, "
            f"expected {entry.digest}; replace it with the published file (see ../shared/data/SOURCES.md)")


def download_bytes(url: str, timeout: float) -> bytes:
    """Fetch ``url`` (raises ``OSError`` subclasses on network failure)."""
    req = urllib.request.Request(url, headers={"User-Agent": "fairopt-data/0.1"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (pinned https URLs)
        return resp.read()


def fetch_raw_file(entry: RawFile, dest: str | Path, *, mirror: str | Path | None,
                   download: bool = True, timeout: float = 30.0) -> str:
    """Place a verified copy of ``entry`` at ``dest``.

    Tries the mirror first, then the URL (when ``download``). The file is verified before it
    is moved into place, so ``dest`` never holds an unverified or partial file; once it is in
    place its verification record (:func:`record_path`) is written, for :func:`check_raw_copy`.

    Args:
        entry: Registered file.
        dest: Destination path (e.g. ``resources/raw/<dataset>/<name>``).
        mirror: Mirror folder holding ``<dataset>/<name>`` (None: no mirror).
        download: Whether to try the canonical URL when the mirror lacks the file.
        timeout: Download timeout in seconds.

    Returns:
        Where the file came from (mirror path or URL).

    Raises:
        ChecksumError: The mirror's copy or the download has the wrong checksum.
        DataError: The file is in neither place (message says how to supply it).
    """
    tried: list[str] = []
    if mirror is not None:
        src = entry.mirror_path(mirror)
        if src.is_file():
            verify(entry, src)
            with atomic_path(dest) as tmp:
                shutil.copyfile(src, tmp)
            _write_record(entry, dest)
            return str(src)
        tried.append(f"not in mirror ({src})")
    if download and entry.url:
        try:
            payload = download_bytes(entry.url, timeout)
            if entry.member:
                with zipfile.ZipFile(io.BytesIO(payload)) as zf:
                    payload = zf.read(entry.member)
        except (OSError, urllib.error.URLError, zipfile.BadZipFile, KeyError) as exc:
            tried.append(f"download from {entry.url} failed ({type(exc).__name__}: {exc})")
        else:
            with atomic_path(dest) as tmp:
                tmp.write_bytes(payload)
                verify(entry, tmp)
            _write_record(entry, dest)
            return entry.url
    elif entry.url:
        tried.append("download disabled (config download: false)")
    where = f"{entry.mirror_path(mirror)}" if mirror is not None else f"<data_mirror>/{entry.dataset}/{entry.name}"
    raise DataError(
        f"dataset {entry.dataset!r} file {entry.name!r} unavailable: {'; '.join(tried)}. "
        f"Expected {entry.expected}. Supply it by placing the file at {where} "
        f"(or set config data_mirror to a folder holding {entry.dataset}/{entry.name})")


def check_obtainable(entries: Iterable[RawFile], *, copies: str | Path, mirror: str | Path | None,
                     download: bool) -> None:
    """Check, before any job runs, that every file of ``entries`` can be had: a copy under
    ``copies/<dataset>/<name>`` (re-verified when read), a file in the mirror, or a canonical URL with
    downloads allowed (whether the download then succeeds is only known when it runs).

    Raises:
        DataError: One line naming the first file that cannot be had (and how many more), where it was
            looked for, and how to supply it.
    """
    missing = [e for e in entries
               if not (Path(copies) / e.dataset / e.name).is_file()
               and not (mirror is not None and e.mirror_path(mirror).is_file())
               and not (download and e.url)]
    if missing:
        first = missing[0]
        where = first.mirror_path(mirror) if mirror is not None else f"<data_mirror>/{first.dataset}/{first.name}"
        more = f" (and {len(missing) - 1} more: {', '.join(f'{e.dataset}/{e.name}' for e in missing[1:4])}" \
               f"{' ...' if len(missing) > 4 else ''})" if len(missing) > 1 else ""
        why = "downloads are off (config download: false)" if first.url else "it has no public URL"
        raise DataError(f"dataset {first.dataset!r} file {first.name!r} cannot be obtained{more}: not in the mirror "
                        f"({where}), and {why}; place it there, set config data_mirror to a folder holding "
                        f"{first.dataset}/{first.name}, or allow downloads")


# ----------------------------------------------------------------------------- re-verification
def record_path(path: str | Path) -> Path:
    """Where the verification record of the copy at ``path`` lives: ``.<name>.verified.json`` beside it."""
    path = Path(path)
    return path.with_name(f".{path.name}.verified.json")


def _write_record(entry: RawFile, path: str | Path, st: os.stat_result | None = None) -> None:
    """Record the digest, size and ``mtime_ns`` (of ``st``, default: now) of the verified copy at ``path``, atomically.

    Written only after the copy is in place, so a record never describes a file that is not there;
    a crash in between leaves an old or no record, which costs one re-hash.
    """
    st = st or os.stat(path)
    write_json(record_path(path), {"dataset": entry.dataset, "name": entry.name, "kind": entry.kind,
                                   "digest": entry.digest, "size": int(st.st_size), "mtime_ns": int(st.st_mtime_ns)})


def _read_record(path: Path) -> dict[str, Any] | None:
    """The record beside ``path``, or ``None`` when it is missing or unreadable (then the copy is re-hashed)."""
    try:
        record = json.loads(record_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _entry_for(path: Path) -> RawFile:
    """The registered file a copy ``resources/raw/<dataset>/<name>`` is of."""
    try:
        return raw_file(path.parent.name, path.name)
    except ConfigError as exc:
        raise ConfigError(f"{path}: not the copy of a registered raw file ({exc})") from exc


def check_raw_copy(path: str | Path, entry: RawFile | None = None) -> bool:
    """Check that the copy at ``path`` still is the verified file; call before reading it.

    Cheap when nothing changed: size and ``mtime_ns`` equal those of the verification record (and the
    record's digest is the pinned one) -> accepted without hashing. Otherwise the file is hashed; when
    the digest is the pinned one the copy is accepted and the record refreshed (a ``touch``, a copy of
    ``resources/`` to another machine, a copy placed before records existed), else it is rejected.

    Args:
        path: The copy, ``resources/raw/<dataset>/<name>``.
        entry: Its registered file (default: looked up from the path's last two parts).

    Returns:
        Whether the file had to be hashed (``False``: the record vouched for it).

    Raises:
        DataError: The copy is missing.
        ChecksumError: The copy differs from the verified file (one line: the file, what differs --
            size against the record's, or the digest against the pinned one -- and the fix).
        ConfigError: ``path`` is not a registered file's copy.
    """
    path = Path(path)
    entry = entry or _entry_for(path)
    fix = f"delete it and rerun the workflow to fetch a verified copy (or: snakemake --forcerun {path})"
    if not path.is_file():
        raise DataError(f"{path}: raw file not found (dataset {entry.dataset!r} file {entry.name!r}); "
                        f"rerun the workflow to fetch it (rule fetch_raw_file)")
    st = path.stat()
    record = _read_record(path)
    if (record is not None and record.get("kind") == entry.kind and record.get("digest") == entry.digest
            and record.get("size") == st.st_size and record.get("mtime_ns") == st.st_mtime_ns):
        return False
    actual = entry.actual(path)
    if actual == entry.digest:
        unchanged = path.stat()
        if (unchanged.st_size, unchanged.st_mtime_ns) == (st.st_size, st.st_mtime_ns):  # not rewritten while hashed
            try:
                _write_record(entry, path, st)
            except OSError:  # a read-only copy stays usable; it is only hashed again next time
                pass
        return True
    if record is None:
        raise ChecksumError(f"{path}: raw file is not the published one and has no verification record "
                            f"({entry.kind} {actual} vs the pinned {entry.digest}); {fix}")
    if record.get("size") != st.st_size:
        what = f"size {st.st_size} bytes vs {record.get('size')} bytes when verified"
    else:
        what = f"{entry.kind} {actual} vs the pinned {entry.digest}"
    raise ChecksumError(f"{path}: raw file changed since it was verified ({what}); {fix}")


def is_raw_copy(path: str | Path) -> bool:
    """Whether ``path`` lies in a ``resources/raw/<dataset>/`` folder (a copy placed by :func:`fetch_raw_file`)."""
    parts = Path(path).parts
    return any(parts[i] == "resources" and parts[i + 1] == "raw" for i in range(len(parts) - 3))


def _flatten(paths: Any) -> Iterable[str]:
    if isinstance(paths, (str, os.PathLike)):
        yield os.fspath(paths)
    else:
        for p in paths:
            yield from _flatten(p)


def check_raw_inputs(paths: Any) -> list[str]:
    """:func:`check_raw_copy` on every path of ``paths`` that is a raw copy (:func:`is_raw_copy`); others are ignored.

    For workflow scripts, first thing: ``check_raw_inputs(snakemake.input)`` (nested lists are flattened).

    Returns:
        The raw copies checked, in order, each once.
    """
    checked: list[str] = []
    for p in _flatten(paths):
        if p not in checked and is_raw_copy(p):
            check_raw_copy(p)
            checked.append(p)
    return checked
