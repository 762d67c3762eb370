"""Test doubles the Kafka tests inject into workers by name.

``--classifier tests.standins:fixed_classifier`` gives worker processes the
:class:`monitor.testing.FixedClassifier`: upstream ``grader`` verdicts then decide every
verdict, so the workers and the embedded runner must agree exactly, whatever order the
partitions are processed in.
"""

from __future__ import annotations


def fixed_classifier(domain_names=None):
    """Classifier factory (``MODULE:CALLABLE`` taking the policy's domain names)."""
    from monitor.testing import FixedClassifier

    return FixedClassifier()
