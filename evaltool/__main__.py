"""``python -m evaltool`` runs the command line."""

from .cli import main

main()
