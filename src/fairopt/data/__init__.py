"""Data: raw files, one tabular reader, one loader per dataset (one container), synthetic generators.

* :mod:`~fairopt.data.raw` -- every raw file from a local mirror or its canonical URL, verified
  against a pinned checksum (registry ``datasets.yaml``);
* :mod:`~fairopt.data.tabular` -- the one reader: read a table, require columns, parse numbers,
  encode categories, with one-line errors naming file, column and lines;
* :mod:`~fairopt.data.container` -- :class:`~fairopt.data.container.FairData`, what every loader
  returns (features, target, protected attributes, metadata; saved as ``.npz``);
* one loader per dataset: :mod:`~fairopt.data.communities`, :mod:`~fairopt.data.law_school`
  (fair regression), :mod:`~fairopt.data.sba`, :mod:`~fairopt.data.employee` (fairness layer),
  :mod:`~fairopt.data.adult`, :mod:`~fairopt.data.compas`, :mod:`~fairopt.data.german`,
  :mod:`~fairopt.data.bank` (DAFH; ``dafh_datasets.md`` tabulates them); the Obermeyer patient file's schema
  and validation (:mod:`~fairopt.data.obermeyer_schema`) and calibrated stand-in
  (:mod:`~fairopt.data.obermeyer_standin`);
* :mod:`fairopt.data.synthetic` -- the documented generators of the studies' synthetic data;
* :mod:`~fairopt.data.provenance` -- where the patient file came from (real or stand-in), carried
  into every result.

A data module never imports a method or a study.
"""
from __future__ import annotations

from fairopt._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "fairopt.data.container": ["FairData"],
    "fairopt.data.raw": ["fetch_raw_file", "raw_file", "registry"],
})
