"""``python tests/launch.py ARGS``: the ``safety-monitor`` CLI with the test stand-ins.

Worker subprocesses of the Kafka tests, soak and bench start through this, so that core
modules still being built elsewhere (see :mod:`tests.standins`) are stood in for.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.standins import install

install()

from monitor.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
