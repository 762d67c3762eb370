"""``make bench``: every benchmark section in turn, each printing medians and its baseline.

Sections run in this process one after another (the machine has two shared cores; running
them side by side would measure each other). Pass section names to run only those.
"""

from __future__ import annotations

import importlib
import sys

SECTIONS = {
    "contract": "bench.bench_contract",
    "pipeline": "bench.bench_pipeline",
}


def main(argv: list[str]) -> None:
    names = argv or list(SECTIONS)
    for name in names:
        print(f"\n== {name} ==", flush=True)
        importlib.import_module(SECTIONS[name]).main()


if __name__ == "__main__":
    main(sys.argv[1:])
