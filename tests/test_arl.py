import numpy as np
import pytest

from monitor._arl import (
    BernoulliCusumChain,
    chart_threshold,
    cusum_arl,
    cusum_threshold,
    llr_steps,
    odds_shift,
    oracle,
)

# Steady-state delays of the known-(p0, p1) CUSUM at in-control ARL 1e5, measured before.
REFERENCE = {
    (0.005, 1.5): 4928, (0.005, 2): 1938, (0.005, 4): 427,
    (0.02, 1.5): 1774, (0.02, 2): 644, (0.02, 4): 131,
    (0.05, 1.5): 843, (0.05, 2): 293, (0.05, 4): 56,
}  # fmt: skip


@pytest.mark.parametrize(("p0", "ratio"), [(0.02, 2), (0.05, 4), (0.005, 1.5), (0.02, 3)])
def test_brook_evans_reproduces_reference_delay(p0, ratio):
    ref = REFERENCE.get((p0, ratio), 234)  # 2% -> 6%: the pipeline's end-to-end case
    o = oracle(p0, p0 * ratio, 1e5)
    assert o["delay_steady_state"] == pytest.approx(ref, rel=0.02)
    assert 1e5 <= o["arl0"] < 1.1e5


def test_threshold_is_the_smallest_meeting_the_target():
    chain = BernoulliCusumChain(0.05, 0.1)
    H = chain.threshold_units(2000)
    assert chain.arl(0.05, H) >= 2000 > chain.arl(0.05, H - 1)
    h = cusum_threshold(0.05, 0.1, 2000)
    assert cusum_arl(0.05, 0.1, h) >= 2000


def test_markov_chain_agrees_with_simulation():
    p0, p1, arl = 0.1, 0.2, 300.0
    h = cusum_threshold(p0, p1, arl)
    exact = cusum_arl(p0, p1, h)
    a, b = llr_steps(p0, p1)
    rng = np.random.default_rng(0)
    streams = 4000
    s = np.zeros(streams)
    run = np.zeros(streams, dtype=int)
    done = np.zeros(streams, dtype=bool)
    t = 0
    while not done.all():
        t += 1
        x = rng.random(streams) < p0
        s = np.where(done, s, np.maximum(0.0, s + np.where(x, a, b)))
        newly = ~done & (s >= h)
        run[newly] = t
        done |= newly
    assert run.mean() == pytest.approx(exact, rel=0.05)


def test_steady_state_delay_is_below_zero_state_delay():
    o = oracle(0.02, 0.04, 1e5)
    assert o["delay_steady_state"] < o["delay_zero_state"]


def test_thresholds_above_the_table_are_extrapolated_closely():
    # 10x the tabulated per-chart ARL of the default one-sided detector.
    h = chart_threshold(0.05, 2.1, 3.2e6)
    exact = cusum_threshold(0.05, odds_shift(0.05, 2.1), 3.2e6)
    assert h == pytest.approx(exact, abs=0.1)
    assert cusum_arl(0.05, odds_shift(0.05, 2.1), h) >= 0.9 * 3.2e6
