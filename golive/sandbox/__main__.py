"""``python -m golive.sandbox``."""

from __future__ import annotations

import sys

from golive.sandbox.server import main

if __name__ == "__main__":
    sys.exit(main())
