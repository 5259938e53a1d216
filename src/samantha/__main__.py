"""``python -m samantha`` runs the same command line as ``samantha``."""

from samantha.cli import main

main()
