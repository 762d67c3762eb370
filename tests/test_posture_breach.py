import numpy as np

from monitor.posture_breach import PostureBreach


def transitions(rule, xs):
    out = []
    for i, x in enumerate(xs):
        change = rule.update(x)
        if change:
            out.append((change, i))
    return out


def test_fires_above_intended_max_and_resolves_after_it_returns():
    rng = np.random.default_rng(1)
    xs = np.concatenate(
        [rng.random(4000) < 0.01, rng.random(4000) < 0.08, rng.random(8000) < 0.005]
    )
    rule = PostureBreach(intended_max=0.02, confidence=0.99)
    events = transitions(rule, xs)
    assert [e for e, _ in events] == ["firing", "resolved"]
    fired, resolved = events[0][1], events[1][1]
    assert 4000 < fired < 5000
    assert 8000 < resolved < 12_000
    assert not rule.active
    assert rule.lower_bound <= rule.observed <= rule.upper_bound


def test_quiet_below_the_limit():
    rng = np.random.default_rng(2)
    rule = PostureBreach(intended_max=0.05)
    assert transitions(rule, rng.random(50_000) < 0.025) == []


def test_hysteresis_holds_while_the_rate_hovers_at_the_limit():
    rng = np.random.default_rng(3)
    rule = PostureBreach(intended_max=0.02, window=500)
    xs = np.concatenate([rng.random(3000) < 0.1, rng.random(20_000) < 0.02])
    events = transitions(rule, xs)
    # At the limit the upper bound stays above it: the breach stays open, no flapping.
    assert [e for e, _ in events] == ["firing"]
    assert rule.active


def test_attributes_at_firing():
    rule = PostureBreach(intended_max=0.1, min_samples=10)
    changes = [rule.update(1) for _ in range(30)]
    assert "firing" in changes
    assert rule.active and rule.lower_bound > 0.1
