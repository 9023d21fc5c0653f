"""Raw data layer: mirror copy, checksum verification and the clear errors."""
from __future__ import annotations

import hashlib
import json
import os

import pytest

from fairopt.data.raw import (RawFile, check_raw_copy, check_raw_inputs, fetch_raw_file, is_raw_copy, raw_file,
                              record_path, registry, required_files, verify)
from fairopt.core.errors import ChecksumError, ConfigError, DataError
from fairopt.core.io import git_blob_sha1
from tests.conftest import REPO


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
    assert not record_path(dest).exists(), "nor a verification record"


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


# ---------------------------------------------------------------- re-verification of placed copies

def _placed(tmp_path, content: bytes = b"a,b\n1,2\n3,4\n5,6\n"):
    """A copy placed by fetch_raw_file under tmp/resources/raw/toy/file.csv, and its entry."""
    entry, mirror = _entry(tmp_path, content)
    dest = tmp_path / "resources" / "raw" / "toy" / "file.csv"
    fetch_raw_file(entry, dest, mirror=mirror, download=False)
    return entry, dest


@pytest.fixture
def toy_registry(monkeypatch):
    """The registry plus dataset 'toy' (file.csv pinned to ``content``'s digest), for path look-ups."""
    import fairopt.data.raw as raw

    def install(entry: RawFile) -> None:
        reg = {**raw.registry(), entry.dataset: {entry.name: entry}}
        monkeypatch.setattr(raw, "registry", lambda: reg)

    return install


def test_fetch_writes_a_verification_record_after_placing_the_copy(tmp_path, monkeypatch):
    entry, dest = _placed(tmp_path)
    record = json.loads(record_path(dest).read_text())
    st = dest.stat()
    assert record_path(dest) == dest.parent / ".file.csv.verified.json"
    assert record == {"dataset": "toy", "name": "file.csv", "kind": "sha256", "digest": entry.sha256,
                      "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    # a download gets its record too
    import fairopt.data.raw as raw

    payload = b"downloaded\n"
    monkeypatch.setattr(raw, "download_bytes", lambda url, timeout: payload)
    online = RawFile("toy", "net.csv", sha256=hashlib.sha256(payload).hexdigest(), url="https://example.invalid/x")
    fetch_raw_file(online, dest.with_name("net.csv"), mirror=None, download=True)
    assert json.loads(record_path(dest.with_name("net.csv")).read_text())["size"] == len(payload)


def test_unchanged_copy_is_accepted_without_hashing(tmp_path, monkeypatch):
    entry, dest = _placed(tmp_path)
    monkeypatch.setattr(RawFile, "actual", lambda self, path: pytest.fail("hashed an unchanged copy"))
    assert check_raw_copy(dest, entry) is False


def test_truncated_copy_is_rejected_in_one_line_naming_the_file(tmp_path):
    entry, dest = _placed(tmp_path)
    full = dest.stat().st_size
    dest.write_bytes(dest.read_bytes()[:8])  # cut at a line end: still a valid CSV
    with pytest.raises(ChecksumError) as info:
        check_raw_copy(dest, entry)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(f"{dest}: raw file changed since it was verified")
    assert f"size 8 bytes vs {full} bytes when verified" in msg
    assert "delete it and rerun" in msg and "--forcerun" in msg


def test_same_size_edit_is_rejected_by_digest(tmp_path):
    entry, dest = _placed(tmp_path)
    dest.write_bytes(dest.read_bytes().replace(b"3,4", b"9,9"))
    with pytest.raises(ChecksumError, match=r"file\.csv: raw file changed since it was verified \(sha256 [0-9a-f]{64} "
                                            r"vs the pinned " + entry.sha256):
        check_raw_copy(dest, entry)


def test_touched_but_identical_copy_is_accepted_and_its_record_refreshed(tmp_path):
    entry, dest = _placed(tmp_path)
    old = json.loads(record_path(dest).read_text())
    os.utime(dest, ns=(old["mtime_ns"] + 5_000_000_000, old["mtime_ns"] + 5_000_000_000))
    assert check_raw_copy(dest, entry) is True  # re-hashed
    new = json.loads(record_path(dest).read_text())
    assert new["mtime_ns"] == old["mtime_ns"] + 5_000_000_000 == dest.stat().st_mtime_ns
    assert check_raw_copy(dest, entry) is False  # the refreshed record vouches for it again


def test_missing_record_good_copy_is_accepted_and_recorded_bad_copy_rejected(tmp_path):
    entry, dest = _placed(tmp_path)
    record_path(dest).unlink()
    assert check_raw_copy(dest, entry) is True
    assert json.loads(record_path(dest).read_text())["digest"] == entry.sha256
    record_path(dest).unlink()
    dest.write_bytes(b"a,b\n")
    with pytest.raises(ChecksumError, match=r"file\.csv: raw file is not the published one and has no verification "
                                            r"record \(sha256 "):
        check_raw_copy(dest, entry)
    dest.unlink()
    with pytest.raises(DataError, match=r"file\.csv: raw file not found"):
        check_raw_copy(dest, entry)


def test_a_record_of_another_pinned_digest_does_not_vouch(tmp_path):
    """After the registry pins a new version, an old copy with a matching record is still rejected."""
    entry, dest = _placed(tmp_path)
    repinned = RawFile("toy", "file.csv", sha256="0" * 64)
    with pytest.raises(ChecksumError, match="vs the pinned " + "0" * 64):
        check_raw_copy(dest, repinned)


def test_check_raw_inputs_checks_only_raw_copies(tmp_path, toy_registry):
    entry, dest = _placed(tmp_path)
    toy_registry(entry)
    other = tmp_path / "results" / "prepared.csv"
    other.parent.mkdir()
    other.write_text("not a raw file\n")
    assert is_raw_copy(dest) and not is_raw_copy(other) and not is_raw_copy(tmp_path / "resources" / "raw" / "x")
    assert check_raw_inputs([str(other), [str(dest)], dest]) == [str(dest)]  # nested, each once
    dest.write_bytes(b"a,b\n")
    with pytest.raises(ChecksumError, match="file.csv: raw file changed"):
        check_raw_inputs([str(other), str(dest)])
    stray = tmp_path / "resources" / "raw" / "toy" / "unregistered.csv"
    stray.write_text("x\n")
    with pytest.raises(ConfigError, match=r"unregistered\.csv: not the copy of a registered raw file"):
        check_raw_inputs([stray])


#: what a rule's input names when it reads a raw copy (workflow/rules/*.smk)
RAW_INPUT_MARKERS = ("raw_path(", "LAYER_RAW", "DAFH_RAW", "OBERMEYER_CALIBRATION", "obermeyer_patient_inputs")


def raw_reading_scripts() -> set[str]:
    """The scripts of the rules whose input section names a raw copy (rule fetch_raw_file itself excluded)."""
    import re

    scripts = set()
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        for block in re.split(r"^rule ", smk.read_text(), flags=re.M)[1:]:
            name = block.split(":", 1)[0]
            inputs = re.search(r"^    input:\n(.*?)^    \w+:", block, flags=re.M | re.S)
            script = re.search(r'"\.\./scripts/(\w+)\.py"', block)
            if name != "fetch_raw_file" and inputs and script and any(m in inputs.group(1) for m in RAW_INPUT_MARKERS):
                scripts.add(script.group(1))
    return scripts


def test_every_script_reading_raw_files_checks_them_first():
    """Each workflow script of a rule with a resources/raw input calls check_raw_inputs before any work."""
    readers = raw_reading_scripts()
    assert {"fairreg_prepare_real", "layer_prepare", "dafh_prepare", "obtain_obermeyer_patients",
            "check_obermeyer_patients", "fdfl_prepare_table"} <= readers  # the scan finds the known ones
    for name in sorted(readers):
        text = (REPO / "workflow" / "scripts" / f"{name}.py").read_text()
        body = text.split("as log", 1)[1].split("\n")
        first = next(line for line in body[1:] if line.strip() and not line.strip().startswith("#"))
        assert first.strip().startswith("check_raw_inputs(smk.input)"), (name, first)
