"""Data provenance carried from the raw patient file into every result.

The Obermeyer patient file used by FDFL is either the real ``data_new.csv`` or fairopt's
calibrated synthetic stand-in. Its provenance (source, checksums, seed) is written once next to
the file and copied into every downstream table (a ``data_source`` column), JSON result
(``provenance`` key), figure (a banner) and report, so that a stand-in result can never be
mistaken for a real-data result.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fairopt.core.errors import DataError
from fairopt.core.io import read_json, write_json

__all__ = ["Provenance", "read_provenance", "STANDIN_WARNING"]

STANDIN_WARNING = ("SYNTHETIC STAND-IN DATA: results computed on fairopt's calibrated stand-in for the "
                   "Obermeyer patient file, not on the real data_new.csv")


@dataclass
class Provenance:
    """Where the patient file came from.

    Attributes:
        source: ``"real"`` or ``"standin"``.
        sha256: SHA-256 of the file as used.
        git_blob_sha1: Git blob SHA-1 (for the real file, the pinned published one).
        seed: Generator seed (stand-in only).
        origin: Mirror path, URL, or ``"fairopt.data.obermeyer_standin"``.
        details: Free-form facts (generator version, row counts, calibration notes).
    """

    source: str
    sha256: str
    git_blob_sha1: str = ""
    seed: int | None = None
    origin: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Short label for tables: ``real`` or ``standin(seed=S)``."""
        return "real" if self.source == "real" else f"standin(seed={self.seed})"

    @property
    def banner(self) -> str:
        """One-line banner for figures and reports."""
        if self.source == "real":
            return f"Data: real Obermeyer et al. data_new.csv (git blob {self.git_blob_sha1[:12]})"
        return f"{STANDIN_WARNING} (seed {self.seed}, sha256 {self.sha256[:12]})"

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "sha256": self.sha256, "git_blob_sha1": self.git_blob_sha1,
                "seed": self.seed, "origin": self.origin, "details": self.details, "label": self.label}

    def write(self, path: str | Path) -> None:
        write_json(path, self.to_dict())


def read_provenance(path: str | Path) -> Provenance:
    """Read a provenance JSON written by :meth:`Provenance.write`."""
    d = read_json(path)
    try:
        return Provenance(source=d["source"], sha256=d["sha256"], git_blob_sha1=d.get("git_blob_sha1", ""),
                          seed=d.get("seed"), origin=d.get("origin", ""), details=d.get("details", {}))
    except KeyError as exc:
        raise DataError(f"{path}: provenance file lacks key {exc.args[0]!r}") from exc
