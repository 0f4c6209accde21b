"""``python -m golive`` is the ``golive`` command."""

from __future__ import annotations

import sys

from golive.cli import main

sys.exit(main())
