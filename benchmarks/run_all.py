"""Run every benchmarks/bench_*.py in turn and print what each measured.

Each benchmark compares `toolkit` side by side with what people would use instead, on the same
data and machine, and prints times and ratios. Speed is measured here, never in unit tests.
"""

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run each bench_*.py's ``main()``; return non-zero if one fails."""
    failed = []
    for path in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {path.name} ===", flush=True)
        try:
            runpy.run_path(str(path), run_name="__main__")
        except Exception as exc:  # report every benchmark, then fail at the end
            print(f"FAILED: {exc!r}")
            failed.append(path.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
