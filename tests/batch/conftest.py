from __future__ import annotations

import sys
from pathlib import Path

# The synthetic class generator lives with the benchmarks; the tests build small classes with it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
