"""Entry point of ``python -m clinicbot.console`` (see :mod:`clinicbot.console.cli`)."""

import sys

from clinicbot.console.cli import main

sys.exit(main())
