import numpy as np

from monitor.canary import CanaryComparison


def run(rng, p_old, p_new, n=60_000, **kw):
    test = CanaryComparison(**kw)
    old, new = rng.random(n) < p_old, rng.random(n) < p_new
    for a, b in zip(old, new, strict=True):
        test.update_incumbent(a)
        if test.update_candidate(b) != "pending":
            break
    return test


def test_worse_candidate_is_found_worse():
    rng = np.random.default_rng(1)
    test = run(rng, 0.04, 0.08)
    assert test.verdict == "worse"
    assert test.candidate_rate > test.incumbent_rate
    assert test.statistic > np.log(1 / test.alpha)


def test_equal_candidate_is_not_worse():
    rng = np.random.default_rng(2)
    test = run(rng, 0.05, 0.05)
    assert test.verdict == "not_worse"


def test_better_candidate_is_not_worse():
    rng = np.random.default_rng(3)
    assert run(rng, 0.05, 0.02).verdict == "not_worse"


def test_equal_rates_rarely_called_worse():
    rng = np.random.default_rng(4)
    verdicts = [run(rng, 0.1, 0.1, n=20_000, alpha=0.05).verdict for _ in range(40)]
    assert verdicts.count("worse") <= 4  # alpha = 0.05 of 40, with room


def test_unequal_arrivals_and_pending():
    test = CanaryComparison()
    for _ in range(1000):
        test.update_incumbent(0)
    assert test.verdict == "pending"  # no candidate data yet
    rng = np.random.default_rng(5)
    for x in rng.random(3000) < 0.3:
        test.update_candidate(x)
    assert test.verdict == "worse"
