"""Finds, parses and validates workflow files.

Callers import from the modules themselves: reading a stored workflow snapshot
(app.catalog.rules.parse_workflow with an app.catalog.cache.ParsedCache) does not load the
folder loader (app.catalog.loader).
"""
