"""`python -m app` and the `workup` console script."""

from typing import NoReturn

from app.startup import pause_collector


def main() -> NoReturn:
    """Run the command line; the garbage collector waits while the modules load."""
    pause_collector()
    from app.cli import main as run_command

    run_command()


if __name__ == "__main__":
    main()
