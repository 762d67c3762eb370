"""A live status line for long runs on a terminal: rate, samples, alerts, dead letters.

Firing and resolved alerts print above the line as they happen. Off when stderr is not a
terminal (piped output stays clean JSON logs).

>>> progress = Progress(enabled=False)
>>> progress.update(samples=10, alerts=0, dead_letters=0, segments=1)
>>> progress.close()
"""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.live import Live
from rich.text import Text

from monitor.contract import AlertEvent


class Progress:
    """Renders at most a few times a second; costs nothing when disabled."""

    def __init__(self, enabled: bool | None = None, *, refresh_s: float = 0.25) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._refresh_s = refresh_s
        self._started = time.perf_counter()
        self._last = 0.0
        self._console = Console(stderr=True) if self.enabled else None
        self._live: Live | None = None
        if self._console is not None:
            self._live = Live(Text(""), console=self._console, transient=True, auto_refresh=False)
            self._live.start()

    def update(self, *, samples: int, alerts: int, dead_letters: int, segments: int) -> None:
        if self._live is None:
            return
        now = time.perf_counter()
        if now - self._last < self._refresh_s:
            return
        self._last = now
        elapsed = max(now - self._started, 1e-9)
        line = Text.assemble(
            ("safety-monitor ", "bold"),
            f"{samples:,} samples  {samples / elapsed:,.0f}/s  ",
            (f"{alerts} alerts", "bold red" if alerts else "green"),
            f"  {segments} segments  {dead_letters} dead letters",
        )
        self._live.update(line, refresh=True)

    def alert(self, alert: AlertEvent) -> None:
        if self._console is None:
            return
        seg = alert.segment
        style = "bold red" if alert.status == "firing" else "bold green"
        if alert.rule == "posture_breach":
            numbers = f"observed {_pct(alert.observed)}, intended max {_pct(alert.intended_max)}"
        elif alert.rule == "canary":
            numbers = f"{_pct(alert.observed)} against the incumbent's {_pct(alert.baseline)}"
        else:
            numbers = f"baseline {_pct(alert.baseline)} -> observed {_pct(alert.observed)}"
        self._console.print(
            Text.assemble(
                (f"{alert.status.upper():8}", style),
                f" {alert.severity:8} {alert.rule} {alert.metric} ",
                (f"{seg.domain}/{seg.model}/{seg.surface}", "bold"),
                f"  {numbers}  at {alert.detected_at_sample_id} ({alert.detected_at:%H:%M:%S})",
            )
        )

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"
