"""Finds, parses and validates workflow files."""
