"""fairopt.core.cli_config: nested --config strings get their YAML types, other strings stay."""
import math

from fairopt.core.cli_config import retype_scalar, retype_scalars


def test_numbers_booleans_and_null_are_typed():
    assert retype_scalar("120") == 120 and isinstance(retype_scalar("120"), int)
    assert retype_scalar("-2") == -2
    assert retype_scalar("1.5") == 1.5
    assert retype_scalar("1e-3") == 0.001 and retype_scalar("0.0001") == 0.0001
    assert retype_scalar(".inf") == math.inf
    assert retype_scalar("true") is True and retype_scalar("False") is False
    assert retype_scalar("null") is None and retype_scalar("~") is None


def test_other_strings_are_left_alone():
    for text in ("scip", "inf", "nan", "no", "yes", "on", "off", "b2000-i16", "config/ipopt.opt", "[unclosed"):
        assert retype_scalar(text) == text


def test_nested_structures_are_retyped_without_mutating_the_input():
    raw = {"synthetic": {"datasets": ["0", "31"], "time_limit": "120", "solver": "clarabel"}, "seeds": ["1"]}
    typed = retype_scalars(raw)
    assert typed == {"synthetic": {"datasets": [0, 31], "time_limit": 120, "solver": "clarabel"}, "seeds": [1]}
    assert raw["synthetic"]["datasets"] == ["0", "31"]
    assert retype_scalars(3) == 3 and retype_scalars(None) is None
