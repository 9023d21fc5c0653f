"""Raw data layer: mirror copy, checksum verification and the clear errors."""
from __future__ import annotations

import hashlib

import pytest

from fairopt.data.raw import RawFile, fetch_raw_file, raw_file, registry, required_files, verify
from fairopt.core.errors import ChecksumError, ConfigError, DataError
from fairopt.core.io import git_blob_sha1


def _entry(tmp_path, content: bytes, **kw) -> tuple[RawFile, object]:
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True)
    (mirror / "toy" / "file.csv").write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()
    return RawFile("toy", "file.csv", sha256=kw.get("sha256", digest), url=kw.get("url")), mirror


def test_copy_from_mirror_verifies_and_places_file(tmp_path):
    entry, mirror = _entry(tmp_path, b"a,b\n1,2\n")
    dest = tmp_path / "resources" / "raw" / "toy" / "file.csv"
    origin = fetch_raw_file(entry, dest, mirror=mirror, download=False)
    assert dest.read_bytes() == b"a,b\n1,2\n"
    assert origin.endswith("toy/file.csv")


def test_checksum_mismatch_names_dataset_and_expected_digest(tmp_path):
    entry, mirror = _entry(tmp_path, b"tampered\n", sha256="0" * 64)
    dest = tmp_path / "out.csv"
    with pytest.raises(ChecksumError) as info:
        fetch_raw_file(entry, dest, mirror=mirror, download=False)
    msg = str(info.value)
    assert "'toy'" in msg and "0" * 64 in msg and "expected" in msg
    assert "\n" not in msg
    assert not dest.exists(), "no unverified file may be left at the destination"


def test_missing_file_says_how_to_supply_it(tmp_path):
    entry = RawFile("toy", "file.csv", sha256="ab" * 32, url=None)
    with pytest.raises(DataError) as info:
        fetch_raw_file(entry, tmp_path / "x.csv", mirror=tmp_path / "empty", download=False)
    msg = str(info.value)
    assert "'toy'" in msg and "ab" * 32 in msg and "placing the file at" in msg


def test_failed_download_is_reported_not_raised_raw(tmp_path, monkeypatch):
    import fairopt.data.raw as raw

    def boom(url, timeout):
        raise OSError("network unreachable")

    monkeypatch.setattr(raw, "download_bytes", boom)
    entry = RawFile("toy", "file.csv", sha256="cd" * 32, url="https://example.invalid/file.csv")
    with pytest.raises(DataError, match="download from https://example.invalid/file.csv failed"):
        fetch_raw_file(entry, tmp_path / "x.csv", mirror=None, download=True)


def test_download_is_verified_before_it_lands(tmp_path, monkeypatch):
    import fairopt.data.raw as raw

    monkeypatch.setattr(raw, "download_bytes", lambda url, timeout: b"wrong bytes")
    entry = RawFile("toy", "file.csv", sha256="ef" * 32, url="https://example.invalid/file.csv")
    dest = tmp_path / "x.csv"
    with pytest.raises(ChecksumError):
        fetch_raw_file(entry, dest, mirror=None, download=True)
    assert not dest.exists()


def test_git_blob_sha1_verification(tmp_path):
    path = tmp_path / "data_new.csv"
    path.write_bytes(b"race\nwhite\n")
    # git hash-object of "race\nwhite\n"
    expected = hashlib.sha1(b"blob 11\0race\nwhite\n").hexdigest()
    assert git_blob_sha1(path) == expected
    verify(RawFile("obermeyer", "data_new.csv", git_blob_sha1=expected), path)
    with pytest.raises(ChecksumError, match="git blob SHA-1"):
        verify(RawFile("obermeyer", "data_new.csv", git_blob_sha1="1" * 40), path)


def test_registry_covers_every_dataset_and_pins_checksums():
    reg = registry()
    for dataset in ("adult", "compas", "german_credit", "bank_marketing", "communities_crime", "law_school",
                    "sba_loans", "employee_performance", "obermeyer"):
        assert dataset in reg
    for entry in required_files():
        assert entry.sha256 and len(entry.sha256) == 64, entry
        assert entry.url and entry.url.startswith("https://"), entry
    real = raw_file("obermeyer", "data_new.csv")
    assert real.optional and real.git_blob_sha1 == "22c9f9e5031321eebbf3111afe9ba1046e313c3b"
    with pytest.raises(ConfigError, match="unknown dataset"):
        raw_file("nope", "x")


def test_mirror_files_match_registry(data_mirror):
    """The shared mirror holds every required file with the pinned checksum."""
    for entry in required_files():
        verify(entry, entry.mirror_path(data_mirror))
