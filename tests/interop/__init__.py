"""Tests of the interop layer."""
