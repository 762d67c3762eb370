"""Receiver payloads against local HTTP servers: PagerDuty, Slack, Jira, signed webhook;
signature verification by a receiver, forged and replayed requests rejected; ack API."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import httpx
import pytest
from alerts_support import FAST, FakeClock, ScriptedServer, make_event, policy_with
from prometheus_client import CollectorRegistry

from alerts.ack_api import AckServer
from alerts.router import AlertRouter
from alerts.webhook_verify import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    VerificationError,
    WebhookVerifier,
    sign_request,
)


def _router(tmp_path, receivers: str, env: dict, **kw) -> AlertRouter:
    kw.setdefault("registry", CollectorRegistry())
    return AlertRouter(policy_with(receivers), tmp_path / "o.db", env=env, start=False, **kw)


def test_pagerduty_trigger_ack_resolve(tmp_path) -> None:
    server = ScriptedServer()
    env = {"PD_KEY": "R0UTINGKEY"}
    r = _router(
        tmp_path,
        f"""
  primary: {{type: pagerduty, url: "{server.url}/v2/enqueue", routing_key_env: PD_KEY, {FAST}}}
""",
        env,
    )
    try:
        key = make_event().dedup_key
        r.emit(make_event())
        r.pump()
        assert r.acknowledge(key, "erin")
        r.pump()
        r.emit(make_event(status="resolved"))
        r.pump()
    finally:
        r.close()
        server.close()
    bodies = [x.json() for x in server.receipts]
    assert [b["event_action"] for b in bodies] == ["trigger", "acknowledge", "resolve"]
    assert {b["dedup_key"] for b in bodies} == {key}
    assert all(b["routing_key"] == "R0UTINGKEY" for b in bodies)
    trigger = bodies[0]
    assert trigger["payload"]["severity"] == "critical"
    assert trigger["payload"]["custom_details"]["metric"] == "under_refusal_rate"
    assert trigger["payload"]["custom_details"]["evidence"][0]["excerpt"].endswith(
        "[REDACTED:email]"
    )
    hrefs = {link["text"]: link["href"] for link in trigger["links"]}
    assert hrefs["runbook"] == "https://runbooks.example.com/cyber"
    assert hrefs["grafana"].startswith("https://grafana.example.com/d/x?var-domain=cyber")
    assert server.receipts[0].headers["Idempotency-Key"]


def test_slack_batches_a_group(tmp_path) -> None:
    server = ScriptedServer()
    server.default = "ok"
    env = {"SLACK_URL": f"{server.url}/services/T000/B000/XXXX"}
    clock = FakeClock()
    r = _router(
        tmp_path,
        """
  primary: {type: slack, webhook_url_env: SLACK_URL, group_wait_s: 30, group_by: [domain]}
""",
        env,
        clock=clock,
    )
    try:
        r.emit(make_event(model="a"))
        r.emit(make_event(model="b"))
        clock.advance(31)
        r.pump()
    finally:
        r.close()
        server.close()
    assert len(server.receipts) == 1
    body = server.receipts[0].json()
    assert server.receipts[0].path == "/services/T000/B000/XXXX"
    assert "FIRING" in body["text"] and body["blocks"][0]["type"] == "section"
    assert "model a" in body["text"] and "model b" in body["text"]


class FakeJira:
    """Create issue, search by label, comment; can lose the answer to a create."""

    def __init__(self) -> None:
        self.issues: dict[str, dict] = {}
        self.comments: list[tuple[str, dict]] = []
        self.lose_next_create_answer = False
        self.server = ScriptedServer(handler=self.handle)

    def handle(self, receipt):
        path = receipt.path
        assert receipt.headers["Authorization"].startswith("Basic ")
        if receipt.method == "POST" and path == "/rest/api/3/issue":
            fields = receipt.json()["fields"]
            key = f"CYB-{len(self.issues) + 1}"
            self.issues[key] = fields
            if self.lose_next_create_answer:
                self.lose_next_create_answer = False
                return 500, {"errorMessages": ["gateway timeout after commit"]}
            return 201, {"id": "100", "key": key}
        if receipt.method == "GET" and path.startswith("/rest/api/3/search/jql"):
            label = path.split("labels+%3D+%22")[1].split("%22")[0]
            found = [k for k, f in self.issues.items() if label in f["labels"]]
            return 200, {"issues": [{"key": k} for k in found]}
        if receipt.method == "POST" and path.endswith("/comment"):
            self.comments.append((path.split("/")[-2], receipt.json()))
            return 201, {"id": "1"}
        return 404, {"errorMessages": ["not found"]}


def test_jira_retry_never_opens_a_second_ticket(tmp_path) -> None:
    jira = FakeJira()
    jira.lose_next_create_answer = True
    env = {"JIRA_EMAIL": "bot@example.com", "JIRA_TOKEN": "t0ken"}
    r = _router(
        tmp_path,
        f"""
  primary: {{type: jira, base_url: "{jira.server.url}", project_key: CYB,
             email_env: JIRA_EMAIL, api_token_env: JIRA_TOKEN, {FAST}}}
""",
        env,
    )
    try:
        r.emit(make_event())
        for _ in range(20):
            r.pump()
            if not r.deliveries(state="pending"):
                break
            time.sleep(0.03)
        r.emit(make_event(status="resolved"))
        for _ in range(20):
            r.pump()
            if not r.deliveries(state="pending"):
                break
            time.sleep(0.03)
    finally:
        r.close()
        jira.server.close()
    assert list(jira.issues) == ["CYB-1"]  # the retry found the issue by its label
    fields = jira.issues["CYB-1"]
    assert fields["project"] == {"key": "CYB"}
    assert fields["priority"] == {"name": "Highest"}
    assert fields["description"]["type"] == "doc" and fields["description"]["version"] == 1
    assert "safety-monitor" in fields["labels"]
    assert any(lab.startswith("sm-") for lab in fields["labels"])
    assert [c[0] for c in jira.comments] == ["CYB-1"]
    assert "RESOLVED" in json.dumps(jira.comments[0][1])


def test_signed_webhook_verified_by_receiver(tmp_path) -> None:
    secret = "whsec-test-0123456789"
    verifier = WebhookVerifier(secret, tolerance_s=60)
    accepted: list[dict] = []
    captured: list = []

    def handle(receipt):
        captured.append(receipt)
        try:
            verifier.verify(receipt.headers, receipt.body)
        except VerificationError as exc:
            return 401, {"error": str(exc)}
        if verifier.first_delivery(receipt.headers):
            accepted.append(receipt.json())
        return 200, {"ok": True}

    server = ScriptedServer(handler=handle)
    r = _router(
        tmp_path,
        f"""
  primary: {{type: webhook, url: "{server.url}/hook", secret_env: HOOK_SECRET, {FAST}}}
""",
        {"HOOK_SECRET": secret},
    )
    try:
        r.emit(make_event())
        r.pump()
        assert len(accepted) == 1
        assert accepted[0]["notifications"][0]["alert"]["dedup_key"] == make_event().dedup_key
        original = captured[0]
        with httpx.Client(trust_env=False, timeout=2) as client:
            # Replay of the captured request: rejected.
            replay = client.post(
                f"{server.url}/hook",
                content=original.body,
                headers={
                    k: v for k, v in original.headers.items() if k.lower() != "content-length"
                },
            )
            assert replay.status_code == 401 and "replayed" in replay.text
            # Forged body under the captured signature: rejected.
            forged_body = original.body.replace(b"critical", b"info")
            forged = client.post(
                f"{server.url}/hook",
                content=forged_body,
                headers={
                    TIMESTAMP_HEADER: original.headers[TIMESTAMP_HEADER],
                    SIGNATURE_HEADER: original.headers[SIGNATURE_HEADER],
                },
            )
            assert forged.status_code == 401 and "mismatch" in forged.text
            # Signed with the wrong secret: rejected.
            wrong = client.post(
                f"{server.url}/hook",
                content=original.body,
                headers=sign_request("not-the-secret", original.body),
            )
            assert wrong.status_code == 401
            # Correctly signed but stale (outside tolerance): rejected.
            stale = client.post(
                f"{server.url}/hook",
                content=original.body,
                headers=sign_request(secret, original.body, timestamp=int(time.time()) - 3600),
            )
            assert stale.status_code == 401 and "tolerance" in stale.text
    finally:
        r.close()
        server.close()
    assert len(accepted) == 1


def test_verifier_unit_cases() -> None:
    now = [1000.0]
    v = WebhookVerifier(["old-secret", "new-secret"], tolerance_s=10, clock=lambda: now[0])
    body = b'{"x":1}'
    v.verify(sign_request("old-secret", body, timestamp=1000), body)  # rotation: both accepted
    v.verify(sign_request("new-secret", body, timestamp=1001), body)
    with pytest.raises(VerificationError, match="missing"):
        v.verify({}, body)
    with pytest.raises(VerificationError, match="integer"):
        v.verify({TIMESTAMP_HEADER: "x", SIGNATURE_HEADER: "v1=ab"}, body)
    with pytest.raises(VerificationError, match="no v1"):
        v.verify({TIMESTAMP_HEADER: "1000", SIGNATURE_HEADER: "v0=ab"}, body)
    assert v.first_delivery({"Idempotency-Key": "k1"})
    assert not v.first_delivery({"idempotency-key": "k1"})
    with pytest.raises(ValueError):
        WebhookVerifier("")


def test_ack_api_requires_token(tmp_path) -> None:
    out = tmp_path / "p.jsonl"
    receivers = f"""
  primary: {{type: jsonl, path: "{out}"}}
"""
    r = _router(tmp_path, receivers, {})
    key = make_event().dedup_key
    r.emit(make_event())
    disabled = AckServer(r, env={}).start()
    enabled = AckServer(r, env={"SAFETY_MONITOR_ACK_TOKEN": "t" * 32}).start()
    url = f"/v1/alerts/{urllib.request.quote(key, safe='')}/ack"

    def post(server, path, token=None, body=b'{"by": "frank"}'):
        req = urllib.request.Request(server.url + path, data=body, method="POST")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=2) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    try:
        assert post(disabled, url, "anything")[0] == 403  # no token configured, no access
        assert post(enabled, url)[0] == 401
        assert post(enabled, url, "wrong")[0] == 401
        assert post(enabled, url, "t" * 32) == (200, {"acknowledged": key, "by": "frank"})
        assert post(enabled, url, "t" * 32)[0] == 409  # already acknowledged
        status, body = post(
            enabled,
            "/v1/silences",
            "t" * 32,
            json.dumps({"matchers": {"domain": "hate"}, "duration_s": 60}).encode(),
        )
        assert status == 200 and body["silence_id"]
        sid = body["silence_id"]
        assert post(enabled, f"/v1/silences/{sid}/expire", "t" * 32)[0] == 200
        assert post(enabled, "/v1/silences/nope/expire", "t" * 32)[0] == 404
        assert post(enabled, "/v1/silences", "t" * 32, b'{"matchers": {}}')[0] == 400
    finally:
        disabled.close()
        enabled.close()
        r.close()
    assert r.outbox.events("ack")[0][3]["acknowledged_by"] == "frank"
