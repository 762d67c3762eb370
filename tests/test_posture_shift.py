import numpy as np
import pytest

from monitor.posture_shift import PostureShift


def bern(rng, p, n):
    return rng.random(n) < p


def run(det, xs):
    """Feed sample by sample; indices of alarms."""
    return [i for i, x in enumerate(xs) if det.update(x)]


def run_many(det, xs):
    out, off = [], 0
    while True:
        i = det.update_many(xs[off:])
        if i is None:
            return out
        out.append(off + i)
        off += i + 1


def test_rise_from_2_to_6_percent_fires_with_estimates():
    rng = np.random.default_rng(1)
    xs = np.concatenate([bern(rng, 0.02, 20_000), bern(rng, 0.06, 5_000)])
    det = PostureShift()
    alarms = run(det, xs)
    assert alarms, "no alarm"
    first = alarms[0]
    assert 20_000 <= first < 20_000 + 1_000
    # Read at the alarm: these go into the alert.
    det2 = PostureShift()
    assert det2.update_many(xs) == first
    assert det2.direction == "up"
    assert det2.baseline == pytest.approx(0.02, abs=0.006)
    assert det2.observed > 0.04
    assert det2.statistic >= det2.threshold
    # After the alarm it relearns the new regime.
    assert det2.in_warmup
    det2.update_many(bern(rng, 0.06, 20_000))
    assert det2.baseline == pytest.approx(0.06, abs=0.015)


def test_update_and_update_many_agree():
    rng = np.random.default_rng(2)
    xs = np.concatenate([bern(rng, 0.03, 15_000), bern(rng, 0.09, 3_000), bern(rng, 0.01, 20_000)])
    for kwargs in ({}, {"two_sided": True}, {"baseline": 0.03, "two_sided": True}):
        a, b = PostureShift(**kwargs), PostureShift(**kwargs)
        alarms = run(a, xs)
        assert alarms == run_many(b, xs)
        assert alarms
        assert (a.n, a.statistic, a.baseline, a.observed) == (
            b.n,
            b.statistic,
            b.baseline,
            b.observed,
        )


def test_two_sided_detects_a_fall():
    rng = np.random.default_rng(3)
    xs = np.concatenate([bern(rng, 0.05, 20_000), bern(rng, 0.01, 10_000)])
    det = PostureShift(two_sided=True)
    alarms = run_many(det, xs)
    assert alarms and 20_000 <= alarms[0] < 22_000
    one_sided = PostureShift()
    assert all(a < 20_000 for a in run_many(one_sided, xs))


def test_false_alarm_rate_matches_small_arl():
    # At ARL 1e3 the whole calibration runs in the test; 1e6 in-control samples should
    # give about 1e6 / ARL alarms or fewer (the charts are calibrated conservatively).
    rng = np.random.default_rng(4)
    det = PostureShift(arl=1e3, baseline=0.05)
    alarms = len(run_many(det, bern(rng, 0.05, 1_000_000)))
    assert 1e6 / 2.5e3 <= alarms <= 1e6 / 0.9e3


def test_in_control_segments_stay_within_the_budget():
    # The pipeline's check: 20 segments x 20,000 in-control samples, learned baselines,
    # about <= 4 false alarms at the default ARL 1e5.
    rng = np.random.default_rng(5)
    alarms = sum(len(run_many(PostureShift(), bern(rng, 0.02, 20_000))) for _ in range(20))
    assert alarms <= 4


def test_rare_events_and_zero_rate():
    rng = np.random.default_rng(6)
    det = PostureShift()
    assert det.update_many(np.zeros(50_000, dtype=bool)) is None
    # Zeros are applied lazily: the estimate catches up at the next event; the charts
    # are tuned to min_rate (1e-3) anyway.
    assert det.baseline < 1e-3
    assert 1e-3 <= det.design_rate < 2e-3
    assert not det.in_warmup
    # A handful of scattered events at 1 in 5,000 is no alarm...
    assert det.update_many(bern(rng, 2e-4, 50_000)) is None
    # ...a burst is.
    assert det.update_many(bern(rng, 0.02, 2_000)) is not None


def test_warmup_waits_for_enough_events():
    det = PostureShift(warmup=100, min_events=5, max_warmup=1000)
    det.update_many(np.zeros(100, dtype=bool))
    assert det.in_warmup  # 100 samples but no event yet
    det.update_many(np.ones(5, dtype=bool))
    assert not det.in_warmup
    rare = PostureShift(warmup=100, min_events=5, max_warmup=1000)
    rare.update_many(np.zeros(999, dtype=bool))
    assert rare.in_warmup
    rare.update(0)
    assert not rare.in_warmup  # a rate near zero: the cap ends it


def test_warmup_and_attributes():
    det = PostureShift(warmup=100, min_events=1)
    assert det.in_warmup and det.n == 0
    for _ in range(99):
        assert not det.update(0)
    assert det.in_warmup
    det.update(1)
    assert not det.in_warmup
    assert det.n == 100
    assert det.statistic <= det.threshold
    assert det.direction is None
    det.relearn()
    assert det.in_warmup


def test_memory_is_small():
    import sys

    det = PostureShift(two_sided=True)
    det.update_many(np.random.default_rng(7).random(5_000) < 0.02)
    size = sys.getsizeof(det) + sum(sys.getsizeof(getattr(det, s)) for s in ("_s", "_exn", "_exo"))
    assert size < 1_000


def test_a_rate_near_one_is_not_read_as_a_rise():
    # The charts' odds ratios have no room above ~0.9; such a stream must stay quiet.
    rng = np.random.default_rng(11)
    detector = PostureShift(arl=1e5)
    assert detector.update_many(rng.random(30_000) < 0.97) is None
