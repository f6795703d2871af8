"""`python -m plpcore …`: the command line (see plpcore/cli.py)."""

import sys

from plpcore.cli import main

sys.exit(main())
