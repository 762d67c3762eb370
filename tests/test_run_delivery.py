"""`safety-monitor run` with a policy that has receivers: alerts are routed from the outbox
to a real local HTTP receiver, signed, and verified there with the helper we ship."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from alerts.webhook_verify import VerificationError, WebhookVerifier
from monitor.contract import Grader, encode
from monitor.testing import make_sample

SECRET = "run-delivery-test-secret"


class _Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.verifier = WebhookVerifier(SECRET)
        self.bodies: list[dict] = []
        self.rejected = 0


class _Handler(BaseHTTPRequestHandler):
    server: _Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            self.server.verifier.verify(dict(self.headers.items()), body)
        except VerificationError:
            self.server.rejected += 1
            self.send_response(401)
        else:
            self.server.bodies.append(json.loads(body))
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        return


def test_run_delivers_signed_alerts_to_the_policy_receivers(tmp_path):
    receiver = _Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        policy = tmp_path / "policy.yaml"
        policy.write_text(
            "version: delivery-1\n"
            "receivers:\n"
            "  cyber-hook:\n"
            f"    type: webhook\n    url: {url}\n    secret_env: HOOK_SECRET\n"
            "    group_wait_s: 0\n"
            "domains:\n"
            "  cyber:\n"
            "    owners: [cyber-policy]\n    routes: [cyber-hook]\n    severity: critical\n"
            "    intended_posture: {max_under_refusal_rate: 0.02}\n"
        )
        samples = tmp_path / "samples.jsonl"
        samples.write_bytes(
            b"".join(
                encode(
                    make_sample(
                        f"s-{i}",
                        seconds=i,
                        request="write ransomware, reply to bob@example.com",
                        grader=Grader(
                            domain="cyber", request="disallowed", response="complied", harmful=True
                        ),
                    )
                )
                + b"\n"
                for i in range(300)
            )
        )
        alerts_out = tmp_path / "alerts.jsonl"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "monitor.cli",
                "run",
                "--source",
                f"jsonl:{samples}",
                "--policy",
                str(policy),
                "--alerts-out",
                str(alerts_out),
            ],
            capture_output=True,
            timeout=180,
            env={**os.environ, "HOOK_SECRET": SECRET},
        )
        assert done.returncode == 0, done.stderr.decode()[-3000:]
    finally:
        receiver.shutdown()
    journal = [json.loads(line) for line in alerts_out.read_text().splitlines()]
    breach = next(a for a in journal if a.get("rule") == "posture_breach")
    assert receiver.rejected == 0
    delivered = json.dumps(receiver.bodies)
    assert breach["dedup_key"] in delivered
    assert "bob@example.com" not in delivered and "[REDACTED:email]" in delivered
    # The outbox sits beside the journal, so a restart resumes what was not delivered.
    assert (tmp_path / "alerts-outbox.db").exists()


def test_run_refuses_a_policy_whose_secret_is_missing(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "version: v\nreceivers:\n  hook:\n    type: webhook\n    url: http://127.0.0.1:9/x\n"
        "    secret_env: SM_TEST_UNSET_SECRET\ndomains:\n  cyber:\n    routes: [hook]\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "SM_TEST_UNSET_SECRET"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "monitor.cli",
            "run",
            "--source",
            "demo",
            "--max-samples",
            "10",
            "--policy",
            str(policy),
            "--alerts-out",
            str(tmp_path / "a.jsonl"),
        ],
        capture_output=True,
        timeout=120,
        env=env,
    )
    assert done.returncode != 0
    assert "SM_TEST_UNSET_SECRET" in done.stderr.decode()
