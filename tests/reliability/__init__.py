"""Reliability tests: crash survival, damaged files, hostile text, fuzzing, privacy."""
