"""Tests of fairopt.methods.dafh."""
