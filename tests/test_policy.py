from __future__ import annotations

import pytest

from monitor.policy import PolicyError, load_policy, parse_policy

SECTION_4A = {
    "cbrn",
    "cyber",
    "weapons",
    "violent_extremism",
    "self_harm",
    "child_safety",
    "sexual",
    "hate",
    "harassment",
    "violence",
    "illicit",
    "privacy",
    "misinformation",
    "regulated_advice",
    "agentic",
}


def test_default_policy_has_the_contract_domains():
    policy = load_policy()
    assert set(policy.domains) == SECTION_4A
    assert policy.domain_names()[-1] == "none"
    for domain in policy.domains.values():
        assert domain.owners and domain.routes and domain.runbook_url.startswith("https://")
        assert 0 < domain.intended_posture.max_under_refusal_rate < 1
    assert policy.defaults.detection.arl == 100_000


def test_domains_inherit_defaults():
    policy = parse_policy(
        "version: v1\ndefaults:\n  owners: [safety]\n  severity: high\ndomains:\n  cyber: {}\n"
    )
    cyber = policy.domain("cyber")
    assert cyber.owners == ["safety"] and cyber.severity == "high"
    assert policy.domain("none").owners == ["safety"]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            "version: v1\ndomains:\n  cyber:\n    severity: huge\n",
            "p.yaml:4: domains.cyber.severity: Invalid enum value 'huge'",
        ),
        (
            "version: v1\ndomains:\n  hate: {}\n  cyber:\n    owners: [a]\n    sevrity: high\n",
            "p.yaml:6: domains.cyber.sevrity: Object contains unknown field `sevrity`",
        ),
        (
            "version: v1\ndomains:\n  cyber:\n    intended_posture:\n"
            "      max_under_refusal_rate: 1.5\n",
            "p.yaml:5: domains.cyber.intended_posture.max_under_refusal_rate: 1.5 is not a rate",
        ),
        (
            "version: v1\ndomains:\n  cyber:\n    routes: [a, 3]\n",
            "p.yaml:4: domains.cyber.routes.1: Expected `str`, got `int`",
        ),
        ("version: v1\ndomains:\n  Cyber: {}\n", "p.yaml:3: domains.Cyber: domain name"),
        ("version: v1\ndomains:\n  none: {}\n", "p.yaml:3: domains.none: `none` is reserved"),
        ("domains:\n  cyber: {}\n", "p.yaml:1: (top level): Object missing required field"),
        ("version: v1\ndomains: {}\n", "p.yaml:2: domains: a policy needs at least one domain"),
        ("version: [\n", "p.yaml:2: not valid YAML"),
        (
            "version: v1\ndomains:\n  cyber:\n    runbook_url: wiki/cyber\n",
            "p.yaml:4: domains.cyber.runbook_url: runbook_url must be an http(s) URL",
        ),
        (
            "version: v1\ndefaults:\n  detection:\n    arl: 5\ndomains:\n  cyber: {}\n",
            "p.yaml:4: defaults.detection.arl: arl 5.0 is below 100 samples",
        ),
        (
            "version: v1\nreceivers:\n  pager: {type: pagerduty}\ndomains:\n  cyber:\n"
            "    routes: [pager, tickets]\n",
            "p.yaml:6: domains.cyber.routes.1: route 'tickets' names no receiver",
        ),
        ("- just\n- a list\n", "p.yaml:1: a policy is a mapping"),
        (
            "version: v1\nlinks:\n  grafana: https://g/{dashboard}\ndomains:\n  cyber: {}\n",
            "p.yaml:3: links.grafana: link template can use only",
        ),
    ],
)
def test_errors_name_line_and_field(text, where):
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "p.yaml")
    assert str(info.value).startswith(where), str(info.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(PolicyError, match="cannot read policy"):
        load_policy(tmp_path / "nope.yaml")
