"""Atomic file output, checksums and small readers/writers shared by every stage.

Library code never leaves a half-written file that looks complete: each writer writes to a
temporary file in the destination folder and renames it into place (``os.replace`` is atomic on
POSIX). Outputs are deterministic: JSON keys are sorted and floats are written with full
precision, so the same inputs give byte-identical files.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "atomic_path",
    "write_text",
    "write_json",
    "read_json",
    "write_csv",
    "sha256_file",
    "git_blob_sha1",
    "to_jsonable",
]


def _umask() -> int:
    """The process's umask (read by setting it and setting it back: there is no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    Args:
        path: Final destination. Parent folders are created.

    Yields:
        A temporary path in the same folder (same file system, so the rename is atomic), with the
        mode of a newly created file (``0666 & ~umask``, not ``mkstemp``'s 0600).
    """
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp creates the file 0600; a result file gets the mode any new file gets (0666 & ~umask)
    os.chmod(tmp_path, 0o666 & ~_umask())
    try:
        yield tmp_path
        os.replace(tmp_path, dest)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(path: str | os.PathLike, text: str) -> None:
    """Atomically write ``text`` (UTF-8) to ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def to_jsonable(obj: Any) -> Any:
    """Convert numpy/pandas scalars and arrays, paths and dataclass-like objects to JSON types.

    Non-finite floats become ``None`` (JSON has no NaN), so a NaN never passes silently as a number.
    """
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, pd.Series):
        return to_jsonable(obj.to_dict())
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "__dataclass_fields__"):
        return to_jsonable({k: getattr(obj, k) for k in obj.__dataclass_fields__})
    return obj


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Atomically write ``obj`` as indented JSON with sorted keys (deterministic bytes)."""
    text = json.dumps(to_jsonable(obj), indent=2, sort_keys=True, allow_nan=False)
    write_text(path, text + "\n")


def read_json(path: str | os.PathLike) -> Any:
    """Read a JSON file, naming the file in the error if it is missing or malformed."""
    from fairopt.core.errors import DataError

    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: file not found (expected a JSON file)")
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{p}: malformed JSON ({exc.msg} at line {exc.lineno})") from exc


def write_csv(path: str | os.PathLike, frame: pd.DataFrame, *, index: bool = False,
              float_format: str | None = None) -> None:
    """Atomically write ``frame`` as CSV (``lineterminator='\\n'``, deterministic)."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=index, lineterminator="\n", float_format=float_format)


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Return the hex SHA-256 digest of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def git_blob_sha1(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Return the git blob SHA-1 of a file (what ``git hash-object FILE`` prints).

    The digest is SHA-1 over ``b"blob <size>\\0"`` followed by the file's bytes.
    """
    size = os.path.getsize(path)
    h = hashlib.sha1(f"blob {size}\0".encode())
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()
