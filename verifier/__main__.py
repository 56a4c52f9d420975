"""``python -m verifier``: the command line (``verifier/cli/``)."""

import sys

from verifier.cli import main

if __name__ == "__main__":  # not when a helper process (``verifier/engine/ahead.py``) imports it
    sys.exit(main())
