"""`python -m scripts.bench [--quick] [--events N]`: see docs/performance.md."""

from __future__ import annotations

import sys

from scripts.bench.run import main

sys.exit(main())
