"""Data access: the raw-file registry, the Obermeyer patient file and per-study tables.

* :mod:`fairopt.data.raw` -- one mechanism for every raw file: local mirror or canonical URL,
  verified against a pinned checksum (registry: ``datasets.yaml``).
* :mod:`fairopt.data.obermeyer_schema` -- the 160-column schema of the Obermeyer patient file,
  read from its data dictionary, and validation of a patient table against it.
* :mod:`fairopt.data.obermeyer_standin` -- fairopt's calibrated synthetic stand-in for that file.
* :mod:`fairopt.data.fdfl_table` -- the FDFL modelling table (features, gain imputation,
  propensity model, gain and utility columns).
"""
