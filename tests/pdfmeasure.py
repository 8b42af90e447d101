"""The measuring code lives in the package (replygen.check.measure), shared by `replygen check` and the tests."""

from replygen.check.measure import MM, Line, Page, body_lines, measure, rules

__all__ = ["MM", "Line", "Page", "body_lines", "measure", "rules"]
