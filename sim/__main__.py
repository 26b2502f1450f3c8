"""`python -m sim ...` is the same as `mot ...`."""

import sys

from sim.cli import main

sys.exit(main())
