import numpy as np

from monitor.domain_mix import DomainMix

DOMAINS = ["none", "cyber", "illicit", "self_harm", "privacy"]
P = [0.86, 0.04, 0.04, 0.03, 0.03]


def feed(mix, seq):
    return [(i, mix.changed_category, mix.direction) for i, c in enumerate(seq) if mix.update(c)]


def test_rise_of_one_domain_is_named():
    rng = np.random.default_rng(1)
    seq = np.concatenate(
        [
            rng.choice(DOMAINS, 20_000, p=P),
            rng.choice(DOMAINS, 5_000, p=[0.8, 0.1, 0.04, 0.03, 0.03]),
        ]
    )
    mix = DomainMix(categories=DOMAINS)
    alarms = feed(mix, seq)
    assert alarms
    i, cat, direction = alarms[0]
    assert 20_000 <= i < 21_500
    assert (cat, direction) == ("cyber", "up")


def test_stable_mix_is_quiet():
    rng = np.random.default_rng(2)
    mix = DomainMix(categories=DOMAINS)
    assert feed(mix, rng.choice(DOMAINS, 40_000, p=P)) == []
    assert abs(mix.baseline["cyber"] - 0.04) < 0.01
    assert set(mix.observed) == set(DOMAINS)
    assert mix.statistic <= mix.threshold


def test_vanishing_domain_is_a_fall_flagged_without_its_samples():
    rng = np.random.default_rng(3)
    p_after = [0.9, 0.0, 0.04, 0.03, 0.03]
    seq = np.concatenate([rng.choice(DOMAINS, 20_000, p=P), rng.choice(DOMAINS, 5_000, p=p_after)])
    mix = DomainMix(categories=DOMAINS)
    alarms = feed(mix, seq)
    assert alarms
    i, cat, direction = alarms[0]
    assert 20_000 <= i < 21_000
    assert (cat, direction) == ("cyber", "down")


def test_new_domain_appearing():
    rng = np.random.default_rng(4)
    seq = list(rng.choice(DOMAINS, 20_000, p=P)) + list(
        rng.choice([*DOMAINS, "cbrn"], 3_000, p=[0.81, 0.04, 0.04, 0.03, 0.03, 0.05])
    )
    mix = DomainMix(categories=DOMAINS)
    alarms = feed(mix, seq)
    assert alarms and alarms[0][1:] == ("cbrn", "up")
    assert alarms[0][0] < 20_500
