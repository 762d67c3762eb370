"""Request and response classifiers: features, online heads, outcome rule, label join.

>>> from classifiers import Classifier
>>> from monitor.policy import load_policy
>>> clf = Classifier.bootstrap(load_policy().domain_names())  # loads the shipped state
>>> clf.version.startswith("hl1-")
True
"""

from classifiers.classifier import ACTIONS, REQUESTS, Classifier
from classifiers.label_join import LabelJoin
from classifiers.outcome import apply_grader, outcome_of

__all__ = ["ACTIONS", "REQUESTS", "Classifier", "LabelJoin", "apply_grader", "outcome_of"]
