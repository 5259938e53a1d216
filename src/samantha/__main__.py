"""``python -m samantha`` runs the same command line as ``samantha``."""

from samantha.cli.main import main

main()
