"""``python -m evaltool`` runs the command line."""

import sys

try:
    from .cli import main
except KeyboardInterrupt:  # Ctrl-C while the command line is still loading
    sys.stderr.write("Interrupted (Ctrl-C): stopped; nothing was written.\n")
    raise SystemExit(130) from None

main()
