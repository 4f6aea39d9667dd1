"""Pure-Python core: workflow definitions, encounter state and completion rules."""
