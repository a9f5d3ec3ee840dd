"""The examples in the package docstring run."""

from __future__ import annotations

import doctest

import staffing.erlang


def test_package_docstring_examples():
    result = doctest.testmod(staffing.erlang, verbose=False)
    assert result.attempted >= 2 and result.failed == 0
