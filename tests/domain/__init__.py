"""Domain tests."""
