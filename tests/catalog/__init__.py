"""Tests of the workflow catalog: parsing, rules and loading."""
