"""Agreement statistics against small worked examples computed by hand."""

from __future__ import annotations

import math

import pytest

from monitor.agreement import agreement_table, cohen_kappa, fleiss_kappa, krippendorff_alpha
from monitor.contract import Label


def test_cohen_kappa_worked_example():
    # 50 items: both yes 20, A yes/B no 5, A no/B yes 10, both no 15.
    # p_o = 35/50 = 0.7; A yes 25/50, B yes 30/50: p_e = .5*.6 + .5*.4 = 0.5;
    # kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4.
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa(a, a) == pytest.approx(1.0)
    assert math.isnan(cohen_kappa(["y", "y"], ["y", "y"]))


def test_fleiss_kappa_worked_example():
    # Fleiss (1971) as worked on Wikipedia: 10 items, 14 raters, 5 categories -> 0.210.
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    # P_bar = 0.378, P_e = 0.213 (by hand: column shares .143 .200 .279 .150 .229).
    assert fleiss_kappa(table) == pytest.approx(0.20993, abs=1e-4)


def test_fleiss_kappa_small_example_by_hand():
    # Items (2 raters): aa, ab, bb, bb. P_i = 1, 0, 1, 1 -> P_bar = 3/4.
    # Category shares 3/8, 5/8 -> P_e = 9/64 + 25/64 = 34/64; kappa = (48-34)/(64-34) = 7/15.
    assert fleiss_kappa([[2, 0], [1, 1], [0, 2], [0, 2]]) == pytest.approx(7 / 15)


def test_krippendorff_alpha_worked_example():
    # Same four units. Coincidences: o_aa = 2, o_ab = o_ba = 1, o_bb = 4; n = 8,
    # n_a = 3, n_b = 5. D_o = 2/8; D_e = 2 * 3 * 5 / (8 * 7) = 30/56.
    # alpha = 1 - (2/8) / (30/56) = 1 - 7/15 = 8/15.
    assert krippendorff_alpha([["a", "a"], ["a", "b"], ["b", "b"], ["b", "b"]]) == (
        pytest.approx(8 / 15)
    )


def test_krippendorff_alpha_with_missing_and_three_raters():
    # Units: (a,a,a), (a,b,None), (b,b,None), (c,None,None) -- the last is not pairable.
    # Pairable values n = 7: a 4, b 3. Coincidences: unit 1 gives o_aa = 3*2/2 = 3;
    # unit 2 o_ab = o_ba = 1; unit 3 o_bb = 2. D_o = 2/7; D_e = 2*4*3/(7*6) = 24/42.
    # alpha = 1 - (2/7)/(24/42) = 1 - 0.5 = 0.5.
    units = [["a", "a", "a"], ["a", "b", None], ["b", "b", None], ["c", None, None]]
    assert krippendorff_alpha(units) == pytest.approx(0.5)


def test_agreement_table_per_domain_and_field():
    labels = [
        Label("s-1", "human", request="disallowed", response="refused", labeler="r1"),
        Label("s-1", "human", request="disallowed", response="refused", labeler="r2"),
        Label("s-2", "human", request="allowed", response="refused", labeler="r1"),
        Label("s-2", "human", request="disallowed", response="refused", labeler="r2"),
        Label("s-3", "human", request="allowed", response="complied", labeler="r1"),
        Label("s-3", "human", request="allowed", response="complied", labeler="r2"),
        Label("s-4", "human", request="allowed", response="complied", labeler="r1"),
        Label("s-4", "human", request="allowed", response="complied", labeler="r2"),
        # An adjudicator is not a rater.
        Label("s-2", "adjudicator", request="allowed", labeler="boss"),
    ]
    domains = {"s-1": "cyber", "s-2": "cyber", "s-3": "none", "s-4": "none"}
    rows = {(r.domain, r.field): r for r in agreement_table(labels, domains)}
    request = rows[("all", "request")]
    # Pairs: dd, ad, aa, aa -> the worked example above (a/b renamed): kappa 0.5 for Cohen
    # with r1 = (d, a, a, a), r2 = (d, d, a, a): p_o = 3/4, p_e = 1/4*1/2 + 3/4*1/2 = 1/2.
    assert request.cohen_kappa == pytest.approx(0.5)
    assert request.fleiss_kappa == pytest.approx(7 / 15)
    assert request.krippendorff_alpha == pytest.approx(8 / 15)
    assert request.percent_agreement == pytest.approx(0.75)
    assert rows[("cyber", "request")].items == 2 and rows[("cyber", "request")].raters == 2
    assert ("cyber", "domain") not in rows  # nobody labelled the domain field
    assert math.isnan(rows[("none", "response")].fleiss_kappa)  # all one category
