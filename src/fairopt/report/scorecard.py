"""Paper-vs-reproduction scorecard rows.

A scorecard row pairs one number or claim of a paper (the ``paper`` column, read from
``workflow/paper/<study>.yaml`` -- the only place paper numbers live) with what the pipeline
computed (``reproduced``), the tolerance used, a verdict and a note. Verdicts:

* ``reproduced`` -- within tolerance / the claim holds;
* ``not reproduced`` -- outside tolerance / the claim does not hold;
* ``inconclusive`` -- computed on the paper's basis, but the evidence cannot decide the claim
  (fewer trials than the paper's, a degenerate instance where the claim holds by construction, two
  solves that both hit their limits); the note says why;
* ``not comparable`` -- computed, but on a different basis (e.g. stand-in data, a scaled-down
  run), so no verdict is drawn; the note says why;
* ``not run`` -- the pipeline does not produce this number (the note says why).

Every row also has a ``kind``: ``paper`` (a number or claim the paper states), ``check`` (a check
of fairopt's own reconstruction, e.g. a worked example rebuilt from the text or a property that
holds by construction) or ``timing`` (a number or claim of the paper about speed, judged on this
run's measured times). Headline counts report the kinds separately (:func:`verdict_summary`).

Timing rows are written to their own files (``results/scorecard/timing/<study>.csv``): measured
times differ from run to run, every other result of a run does not, so the scorecard proper of
two runs of one configuration is byte-identical (:mod:`fairopt.report.identity`).
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from fairopt.core.io import write_csv, write_text
from fairopt.report.markdown import markdown_table

__all__ = ["ScoreRow", "compare_number", "compare_claim", "not_run", "scorecard_frame", "write_scorecard",
           "combine_scorecards", "verdict_summary", "KINDS"]

VERDICTS = ("reproduced", "not reproduced", "inconclusive", "not comparable", "not run")
KINDS = ("paper", "check", "timing")


@dataclass
class ScoreRow:
    """One scorecard line."""

    study: str
    item: str
    paper: str
    reproduced: str
    tolerance: str
    verdict: str
    note: str = ""
    data_source: str = ""
    kind: str = "paper"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"scorecard row {self.item!r}: kind must be one of {KINDS}, got {self.kind!r}")


def _fmt(x: float | str | None, digits: int = 4) -> str:
    if x is None:
        return ""
    if isinstance(x, str):
        return x
    if not math.isfinite(float(x)):
        return "nan"
    return f"{float(x):.{digits}g}"


def within(paper: float, reproduced: float, *, rel_tol: float | None = None,
           abs_tol: float | None = None) -> bool:
    """True when ``|reproduced - paper| <= max(rel_tol * |paper|, abs_tol)``."""
    if not math.isfinite(reproduced):
        return False
    bound = max((rel_tol or 0.0) * abs(paper), abs_tol or 0.0)
    return abs(reproduced - paper) <= bound


def compare_number(study: str, item: str, paper: float, reproduced: float, *,
                   rel_tol: float | None = None, abs_tol: float | None = None,
                   reproduced_text: str | None = None, paper_text: str | None = None,
                   comparable: bool = True, conclusive: bool = True, note: str = "",
                   data_source: str = "", kind: str = "paper") -> ScoreRow:
    """Row for a number: verdict by tolerance, ``not comparable`` when ``comparable`` is False,
    ``inconclusive`` when the number was computed on too little evidence (``conclusive`` False);
    ``kind`` is ``paper`` or ``check`` (module docstring)."""
    parts = []
    if rel_tol is not None:
        parts.append(f"rel {rel_tol:g}")
    if abs_tol is not None:
        parts.append(f"abs {abs_tol:g}")
    tol = " or ".join(parts) if parts else "exact"
    if not comparable:
        verdict = "not comparable"
    elif not conclusive:
        verdict = "inconclusive"
    else:
        verdict = "reproduced" if within(paper, reproduced, rel_tol=rel_tol, abs_tol=abs_tol) else "not reproduced"
    return ScoreRow(study, item, paper_text or _fmt(paper), reproduced_text or _fmt(reproduced),
                    tol, verdict, note, data_source, kind)


def compare_claim(study: str, item: str, claim: str, holds: bool, evidence: str, *,
                  test: str = "", comparable: bool = True, conclusive: bool = True, note: str = "",
                  data_source: str = "", kind: str = "paper") -> ScoreRow:
    """Row for a qualitative claim; ``evidence`` states the reproduced numbers behind the verdict.

    ``comparable=False``: run on a different basis (``not comparable``); ``conclusive=False``: on the
    paper's basis, but the evidence cannot decide the claim (``inconclusive``; the note says why).
    """
    if not comparable:
        verdict = "not comparable"
    elif not conclusive:
        verdict = "inconclusive"
    else:
        verdict = "reproduced" if holds else "not reproduced"
    return ScoreRow(study, item, claim, evidence, test, verdict, note, data_source, kind)


def not_run(study: str, item: str, paper: str, reason: str, data_source: str = "",
            kind: str = "paper") -> ScoreRow:
    """Row for a paper number the pipeline does not produce, with the reason."""
    return ScoreRow(study, item, paper, "", "", "not run", reason, data_source, kind)


def scorecard_frame(rows: Iterable[ScoreRow]) -> pd.DataFrame:
    """Rows as a DataFrame with the canonical column order."""
    frame = pd.DataFrame([asdict(r) for r in rows], columns=list(ScoreRow.__dataclass_fields__))
    _check_frame(frame)
    return frame


def _check_frame(frame: pd.DataFrame) -> None:
    bad = set(frame["verdict"]) - set(VERDICTS)
    if bad:
        raise ValueError(f"unknown verdicts {sorted(bad)}")
    bad = set(frame["kind"]) - set(KINDS)
    if bad:
        raise ValueError(f"unknown scorecard kinds {sorted(bad)} (expected {KINDS})")
    silent = frame[(frame["verdict"] == "not run") & (frame["note"].astype(str).str.strip() == "")]
    if len(silent):  # a smoke scorecard must not read as a verdict on the paper
        raise ValueError(f"'not run' row(s) without a reason: {list(silent['study'] + ': ' + silent['item'])}")


def verdict_summary(frame: pd.DataFrame) -> str:
    """Verdict counts, paper claims and internal checks counted separately.

    E.g. ``paper claims: 3 reproduced, 1 not reproduced, ...; internal checks: 2 reproduced, ...``
    (a part with no rows is left out).
    """
    parts = []
    for kind, label in (("paper", "paper claims"), ("check", "internal checks"), ("timing", "speed claims")):
        sub = frame[frame["kind"] == kind]
        if len(sub):
            c = sub["verdict"].value_counts()
            parts.append(f"{label}: " + ", ".join(f"{c.get(v, 0)} {v}" for v in VERDICTS))
    return "; ".join(parts) if parts else "no rows"


def to_markdown(frame: pd.DataFrame) -> str:
    """The scorecard as a Markdown table (:func:`fairopt.report.markdown.markdown_table`)."""
    return markdown_table(frame)


def _heading(title: str | None, headline: str, *, timing: bool) -> str:
    """Title, what produced the file (:func:`fairopt.report.headline.run_headline`) and, for a timing
    file only, the date and machine (:func:`fairopt.report.headline.machine_headline`)."""
    from fairopt.report.headline import machine_headline

    parts = [f"# {title}"] if title else []
    if headline:
        parts.append(headline)
        parts.append(machine_headline() if timing else "Date and machine: the timing part of this scorecard "
                     "(`timing/`), kept out of this file so that two runs of one config write it byte for byte.")
    return "".join(f"{p}\n\n" for p in parts)


def write_scorecard(rows: Iterable[ScoreRow], csv_path: str | Path, md_path: str | Path | None = None,
                    title: str | None = None, *, timing_csv: str | Path | None = None,
                    timing_md: str | Path | None = None, headline: str = "") -> pd.DataFrame:
    """Write the scorecard as CSV (and Markdown with a verdict summary); return the whole frame.

    Rows of kind ``timing`` go to ``timing_csv`` / ``timing_md`` (module docstring), which are written
    (possibly empty) whenever given; the other rows go to ``csv_path`` / ``md_path``. ``headline`` (what
    produced the run: :func:`fairopt.report.headline.run_headline`) heads both Markdown files; the timing
    one also says when and on what machine it was written.

    Raises:
        ValueError: timing rows but no ``timing_csv``.
    """
    frame = scorecard_frame(rows)
    timing = frame["kind"] == "timing"
    if timing.any() and timing_csv is None:
        raise ValueError(f"{csv_path}: {int(timing.sum())} timing row(s) need a timing_csv (results of two runs "
                         "must not differ by their measured times)")
    for part, csv, md, what, is_timing in ((frame[~timing], csv_path, md_path, title, False),
                                           (frame[timing], timing_csv, timing_md, f"{title}: speed" if title else None,
                                            True)):
        if csv is None:
            continue
        write_csv(csv, part)
        if md is not None:
            head = _heading(what, headline, timing=is_timing)
            write_text(md, f"{head}{verdict_summary(part)}\n\n{to_markdown(part)}")
    return frame


def combine_scorecards(frames: dict[str, pd.DataFrame], csv_path: str | Path, md_path: str | Path, *,
                       title: str = "fairopt: paper vs reproduction", headline: str = "",
                       timing: bool = False) -> pd.DataFrame:
    """Concatenate the studies' scorecards into one CSV and a Markdown report with one section each
    (called once for the scorecards proper and once for their timing rows).

    Args:
        frames: Scorecard frames by study (columns of :class:`ScoreRow`).
        csv_path: Combined CSV.
        md_path: Markdown report: overall verdict counts, then per study its counts, data sources
            and table.
        title: The report's heading.
        headline: What produced the run (:func:`fairopt.report.headline.run_headline`), under the heading.
        timing: The timing rows' report (a timing file): the date and machine follow the headline.

    Raises:
        ValueError: a frame lacks scorecard columns or has unknown verdicts.
    """
    cols = list(ScoreRow.__dataclass_fields__)
    parts = []
    for study, frame in frames.items():
        missing = set(cols) - set(frame.columns)
        if missing:
            raise ValueError(f"scorecard of study {study!r} lacks columns {sorted(missing)}")
        parts.append(frame[cols])
    combined = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    _check_frame(combined)
    write_csv(csv_path, combined)

    lines = [_heading(title, headline, timing=timing) + f"All studies: {verdict_summary(combined)}", ""]
    for study, frame in frames.items():
        sources = sorted({str(x) for x in frame["data_source"] if str(x)})
        lines += [f"## {study}", "", verdict_summary(frame), ""]
        if sources:
            lines += [f"Data: {', '.join(sources)}", ""]
        lines.append(to_markdown(frame[cols]))
    write_text(md_path, "\n".join(lines))
    return combined
