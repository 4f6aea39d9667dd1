"""PDF documents: the encounter summary with patient instructions, and the blank workup sheet.

Callers import from the modules themselves, so that making a summary does not load the
sheet module and the other way round.
"""
