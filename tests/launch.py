"""``python tests/launch.py ARGS``: the ``safety-monitor`` CLI run from this checkout.

Worker subprocesses of the Kafka tests, soak and bench start through this so that they use
this tree's code (and can name test doubles such as ``tests.standins:fixed_classifier``),
whatever ``safety-monitor`` is installed.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.cli import main

if __name__ == "__main__":
    main()
