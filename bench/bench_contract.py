"""Contract parsing speed: msgspec (what the monitor uses) against pydantic v2, same shapes.

Run: ``python -m bench.bench_contract``. Prints the median of several runs, samples/s.
"""

from __future__ import annotations

import statistics
import time
from itertools import islice
from typing import Any, Literal

from monitor.contract import decode_sample, encode
from monitor.demo import demo_samples

RUNS = 5
N = 20_000


def _pydantic_decoder():
    import datetime as dt

    import pydantic

    class Message(pydantic.BaseModel):
        role: str
        content: str | None = None

    class ToolCall(pydantic.BaseModel):
        name: str
        arguments: dict[str, Any] | str | None = None

    class Grader(pydantic.BaseModel):
        domain: str | None = None
        request: Literal["disallowed", "allowed", "ambiguous"] | None = None
        response: Literal["complied", "refused", "partial"] | None = None
        harmful: bool | None = None

    class Sample(pydantic.BaseModel):
        sample_id: str
        timestamp: dt.datetime
        model: str
        messages: list[Message]
        surface: str = "unknown"
        tool_calls: list[ToolCall] | None = None
        grader: Grader | None = None
        metadata: dict[str, Any] | None = None

    return Sample.model_validate_json


def _rate(decode, lines: list[bytes]) -> float:
    started = time.perf_counter()
    for line in lines:
        decode(line)
    return len(lines) / (time.perf_counter() - started)


def main() -> dict[str, float]:
    lines = [encode(s) for s in islice(demo_samples(seed=1), N)]
    results = {"msgspec": [], "pydantic v2": []}
    pydantic_decode = _pydantic_decoder()
    for _ in range(RUNS):
        results["msgspec"].append(_rate(decode_sample, lines))
        results["pydantic v2"].append(_rate(pydantic_decode, lines))
    medians = {name: statistics.median(rates) for name, rates in results.items()}
    print(f"contract parsing, {N:,} demo samples, median of {RUNS} runs:")
    for name, rate in medians.items():
        print(f"  {name:12} {rate:>12,.0f} samples/s")
    print(f"  msgspec is {medians['msgspec'] / medians['pydantic v2']:.1f}x pydantic v2")
    return medians


if __name__ == "__main__":
    main()
