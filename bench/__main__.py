"""``make bench``: every benchmark section in turn, each printing medians and its baseline.

Sections run in this process one after another (the machine has two shared cores; running
them side by side would measure each other). ``python -m bench SECTION ...`` runs only those;
``make bench-drift`` runs the full drift section (about ten minutes), ``make bench`` its
quick form.
"""

from __future__ import annotations

import importlib
import logging
import sys

from monitor.logs import configure_logging

#: Section name -> (module, arguments of its ``main``; None for a ``main()`` without any).
SECTIONS: dict[str, tuple[str, list[str] | None]] = {
    "contract": ("bench.bench_contract", None),
    "classify": ("bench.bench_classify", None),
    "pipeline": ("bench.bench_pipeline", None),
    "drift": ("bench.bench_drift", ["--quick"]),
    "alerts": ("bench.bench_alerts", []),
    "kafka": ("bench.bench_kafka", []),
}


def main(argv: list[str]) -> None:
    # Figures only: alert logs and the clients' per-request lines are noise here.
    configure_logging(json=True, level="error")
    for noisy in ("httpx", "kafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for name in argv or list(SECTIONS):
        module, args = SECTIONS[name]
        print(f"\n== {name} ==", flush=True)
        entry = importlib.import_module(module).main
        if args is None:
            sys.argv = [module]  # a main() that reads sys.argv sees no section names
            entry()
        else:
            entry(args)


if __name__ == "__main__":
    main(sys.argv[1:])
