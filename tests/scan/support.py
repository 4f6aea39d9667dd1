"""Helpers shared by the scan tests."""

DPI = 200
"""The resolution the test sheets are rasterised at, as a scanner's PDF would be."""
