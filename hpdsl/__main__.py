"""`python -m hpdsl` is the `hpdsl` command."""

import sys

from .cli import main

sys.exit(main())
