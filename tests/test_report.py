"""The posture report on the demo stream: sections, figures, Markdown, CLI, and a real browser.

The browser test renders the HTML in headless Chromium (Debian package ``chromium``:
``apt-get install -y chromium``) and checks that every figure decoded (naturalWidth > 0).
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import struct
import subprocess
from pathlib import Path

import msgspec
import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.policy import load_policy
from monitor.report import build_report, render_html, write_report
from monitor.report_demo import write_demo_inputs
from monitor.report_inputs import load_inputs

SECTIONS = (
    "summary",
    "posture",
    "alerts",
    "models",
    "corrected",
    "quality",
    "agreement",
    "coverage",
    "methods",
)
FIGURES = (
    "posture_overview",
    "alerts_timeline",
    "model_comparison",
    "corrected_rates",
    "outcome_confusion",
    "coverage",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("demo")
    paths = write_demo_inputs(out, samples=4000, seed=3)
    inputs = load_inputs(
        paths["verdicts"],
        samples=paths["samples"],
        alerts=paths["alerts"],
        labels=paths["labels"],
        tasks=paths["tasks"],
    )
    report = build_report(inputs, load_policy())
    paths["html"] = out / "report.html"
    paths["md"] = out / "report.md"
    write_report(report, paths["html"], paths["md"])
    return paths


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_html_is_self_contained_with_every_section_and_figure(demo):
    page = demo["html"].read_text("utf-8")
    for section in SECTIONS:
        assert f'<section id="{section}">' in page
    images = re.findall(
        r'<img src="data:image/png;base64,([^"]+)" alt="[^"]*" '
        r'data-name="([^"]+)"',
        page,
    )
    assert sorted(name for _, name in images) == sorted(FIGURES)
    for data, _ in images:
        width, height = _png_size(base64.b64decode(data))
        assert width > 300 and height > 100
    # Nothing is fetched from elsewhere: no external src or href other than in-page anchors.
    assert not re.search(r'(src|href)="(?!data:|#)', page)
    # The demo incident and the labelled sections have content, not placeholders.
    assert "No labels" not in page and "atlas-2026-11" in page
    assert "Krippendorff" in page and "adjudicator queue" in page


def test_markdown_links_figures_written_beside_it(demo):
    text = demo["md"].read_text("utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) == len(FIGURES)
    for link in links:
        assert (demo["md"].parent / link).is_file()
    assert "## Posture against the intended posture" in text and "| domain | model |" in text


def test_report_command_joins_verdicts_and_filters_the_window(demo, tmp_path):
    out = tmp_path / "r.html"
    result = CliRunner().invoke(
        main,
        [
            "--log-format",
            "json",
            "report",
            "--input",
            str(demo["verdicts"]),
            "--samples",
            str(demo["samples"]),
            "--alerts",
            str(demo["alerts"]),
            "--labels",
            str(demo["labels"]),
            "--tasks",
            str(demo["tasks"]),
            "--since",
            "2026-11-27T00:00:00Z",
            "--until",
            "2026-11-27T01:00:00Z",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    page = out.read_text("utf-8")
    assert "2026-11-27 00:00 UTC to 2026-11-27 01:00 UTC" in page
    # One hour of the demo at 1 sample/s.
    n = int(re.search(r"· ([\d,]+) samples ·", page)[1].replace(",", ""))
    assert 3300 < n < 3900


def test_combined_records_and_unjoined_verdicts(demo, tmp_path):
    samples = [msgspec.json.decode(line) for line in demo["samples"].read_bytes().splitlines()]
    verdicts = [msgspec.json.decode(line) for line in demo["verdicts"].read_bytes().splitlines()]
    combined = tmp_path / "combined.jsonl"
    combined.write_text(
        "".join(
            json.dumps({"sample": s, "verdict": v}) + "\n"
            for s, v in zip(samples[:300], verdicts[:300], strict=True)
        )
        + "not json\n",
        "utf-8",
    )
    inputs = load_inputs(combined)
    assert len(inputs.records) == 300 and inputs.skipped == 1 and inputs.unjoined == 0
    tasks = tmp_path / "tasks.jsonl"
    result = CliRunner().invoke(
        main,
        [
            "review",
            "tasks",
            "--input",
            str(combined),
            "--out",
            str(tasks),
            "--budget-per-hour",
            "20",
        ],
    )
    assert result.exit_code == 0, result.output
    assert 0 < len(tasks.read_text().splitlines()) <= 20
    assert "unknown" not in {r.model for r in inputs.records}
    some = tmp_path / "verdicts.jsonl"
    some.write_bytes(b"\n".join(demo["verdicts"].read_bytes().splitlines()[:500]) + b"\n")
    bare = load_inputs(some)
    assert bare.unjoined == 500 and {r.model for r in bare.records} == {"unknown"}
    page = render_html(build_report(bare, load_policy()))
    assert "had no sample to join" in page


def test_sample_input_needs_a_classifier(demo):
    with pytest.raises(ValueError, match="no classifier"):
        load_inputs(demo["samples"])


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("headless Chromium not installed (Debian: apt-get install -y chromium)")
    return found


def test_report_renders_in_headless_chromium(demo, tmp_path):
    browser = _chromium()
    # A copy of the page with a probe that records, after load, every image's decoded size
    # and every section heading that has a visible box.
    probe = """<script>
window.addEventListener('load', () => {
  const imgs = Array.from(document.images).map(i => [i.dataset.name, i.naturalWidth,
                                                     i.complete]);
  const heads = Array.from(document.querySelectorAll('section h2'))
      .filter(h => h.getBoundingClientRect().height > 0).map(h => h.parentElement.id);
  const out = document.createElement('pre');
  out.id = 'probe';
  out.textContent = JSON.stringify({imgs, heads});
  document.body.appendChild(out);
});
</script></body>"""
    page = demo["html"].read_text("utf-8").replace("</body>", probe)
    probed = tmp_path / "probe.html"
    probed.write_text(page, "utf-8")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--virtual-time-budget=5000",
    ]
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", probed.as_uri()], capture_output=True, text=True, timeout=60
    ).stdout
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    result = json.loads(found[1].replace("&quot;", '"').replace("&amp;", "&"))
    assert sorted(name for name, _, _ in result["imgs"]) == sorted(FIGURES)
    assert all(width > 0 and complete for _, width, complete in result["imgs"])
    assert result["heads"] == list(SECTIONS)
    # And a screenshot is produced (what a reviewer would look at).
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            browser,
            *flags,
            "--hide-scrollbars",
            "--window-size=1280,2000",
            f"--screenshot={shot}",
            demo["html"].as_uri(),
        ],
        capture_output=True,
        timeout=60,
    )
    assert _png_size(shot.read_bytes()) == (1280, 2000)


def test_review_tasks_command_respects_the_budget(demo, tmp_path):
    out = tmp_path / "tasks.jsonl"
    result = CliRunner().invoke(
        main,
        [
            "--log-format",
            "json",
            "review",
            "tasks",
            "--input",
            str(demo["verdicts"]),
            "--samples",
            str(demo["samples"]),
            "--alerts",
            str(demo["alerts"]),
            "--out",
            str(out),
            "--budget-per-hour",
            "30",
            "--seed",
            "4",
        ],
    )
    assert result.exit_code == 0, result.output
    tasks = [json.loads(line) for line in out.read_text().splitlines()]
    per_hour: dict[str, int] = {}
    for t in tasks:
        per_hour[t["period"]] = per_hour.get(t["period"], 0) + 1
        assert t["guidance"] and t["policy_excerpt"]
    assert len(per_hour) == 2 and max(per_hour.values()) <= 30


def test_review_gold_command_versions(demo, tmp_path):
    gold = tmp_path / "gold.jsonl"
    args = ["review", "gold", "--labels", str(demo["labels"]), "--gold-set", str(gold)]
    first = json.loads(CliRunner().invoke(main, args).output)
    again = json.loads(CliRunner().invoke(main, args).output)
    assert first["version"].startswith("gs-") and first["items"] > 50
    assert again["version"] == first["version"] and again["added"] == 0
    assert len(gold.read_text().splitlines()) == 1
