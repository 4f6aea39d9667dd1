"""PySide6 user interface: main window, encounter list, workup view and dialogs."""
