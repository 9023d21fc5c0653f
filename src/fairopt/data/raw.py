"""Raw data layer: every raw file comes from a local mirror or its canonical URL, checksum-verified.

The registry ``datasets.yaml`` (package data) lists each dataset's files with a pinned SHA-256
(or, for the Obermeyer patient file, the git blob SHA-1 its repository publishes) and a canonical
public URL, optionally a member of a zip archive. :func:`fetch_raw_file` copies the file from
``<mirror>/<dataset>/<name>`` or downloads it, verifies it, and moves it atomically into place.
A file that is absent or has the wrong checksum raises one clear message naming the dataset,
the expected checksum and how to supply the file.
"""
from __future__ import annotations

import functools
import io
import shutil
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from fairopt.core.errors import ChecksumError, ConfigError, DataError
from fairopt.core.io import atomic_path, git_blob_sha1, sha256_file

__all__ = ["RawFile", "registry", "raw_file", "required_files", "verify", "fetch_raw_file", "download_bytes"]


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
    def expected(self) -> str:
        """Human-readable expected checksum."""
        if self.sha256:
            return f"sha256 {self.sha256}"
        return f"git blob SHA-1 {self.git_blob_sha1}"

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
    if entry.sha256:
        actual, expected, kind = sha256_file(path), entry.sha256, "sha256"
    else:
        actual, expected, kind = git_blob_sha1(path), entry.git_blob_sha1, "git blob SHA-1"
    if actual != expected:
        raise ChecksumError(
            f"dataset {entry.dataset!r} file {entry.name!r} at {path}: {kind} is {actual}, "
            f"expected {expected}; replace it with the published file (see ../shared/data/SOURCES.md)")


def download_bytes(url: str, timeout: float) -> bytes:
    """Fetch ``url`` (raises ``OSError`` subclasses on network failure)."""
    req = urllib.request.Request(url, headers={"User-Agent": "fairopt-data/0.1"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (pinned https URLs)
        return resp.read()


def fetch_raw_file(entry: RawFile, dest: str | Path, *, mirror: str | Path | None,
                   download: bool = True, timeout: float = 30.0) -> str:
    """Place a verified copy of ``entry`` at ``dest``.

    Tries the mirror first, then the URL (when ``download``). The file is verified before it
    is moved into place, so ``dest`` never holds an unverified or partial file.

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
            return entry.url
    elif entry.url:
        tried.append("download disabled (config download: false)")
    where = f"{entry.mirror_path(mirror)}" if mirror is not None else f"<data_mirror>/{entry.dataset}/{entry.name}"
    raise DataError(
        f"dataset {entry.dataset!r} file {entry.name!r} unavailable: {'; '.join(tried)}. "
        f"Expected {entry.expected}. Supply it by placing the file at {where} "
        f"(or set config data_mirror to a folder holding {entry.dataset}/{entry.name})")
