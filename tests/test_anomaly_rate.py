import numpy as np

from monitor.anomaly_rate import AnomalyRate


def test_novel_traffic_fires():
    rng = np.random.default_rng(0)
    normal = rng.normal(size=(6000, 64))
    novel = rng.normal(size=(2000, 64)) * np.where(rng.random((2000, 1)) < 0.2, 3.0, 1.0)
    det = AnomalyRate(dims=4)
    first = next(i for i, x in enumerate(np.concatenate([normal, novel])) if det.update(x))
    assert 6000 <= first < 6300
    assert det.observed > 0.05  # read at the alarm, as the alert does


def test_in_control_is_quiet_and_dicts_work():
    rng = np.random.default_rng(1)
    det = AnomalyRate(dims=4, warmup=1000)
    for row in rng.normal(size=(5000, 6)):
        assert not det.update({f"f{j}": v for j, v in enumerate(row)})
    assert not det.in_warmup
    assert 0.0 < det.baseline < 0.05
    assert det.score_threshold is not None
