"""The audit of a published Table 1: constructed tables that are and are not consistent."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from countysurv import audit
from countysurv.errors import InputDataError


def coefs(rows):
    return pd.DataFrame(rows, columns=["model", "term", "coef", "std_err", "stars",
                                       "hazard_ratio"], dtype=str)


def fit(rows):
    return pd.DataFrame(rows, columns=["model", "statistic", "value"], dtype=str)


def by(findings, check, term=None):
    out = [f for f in findings if f.check == check and (term is None or f.term == term)]
    assert out, (check, term)
    return out[0] if term is not None else out


class TestPrinted:
    def test_rounding_interval_follows_printed_decimals(self):
        p = audit.parse_printed("0.20")
        assert (p.decimals, p.lo, p.hi) == (2, pytest.approx(0.195), pytest.approx(0.205))
        q = audit.parse_printed("0.669")
        assert q.half_width == pytest.approx(0.0005)
        assert audit.parse_printed("76", exact=True).half_width == 0
        assert audit.parse_printed("−0.06").value == -0.06  # Unicode minus
        assert audit.parse_printed("") is None

    def test_not_a_number_names_the_value(self):
        with pytest.raises(InputDataError, match="'abc'"):
            audit.parse_printed("abc")


class TestHazardRatio:
    def test_hr_equal_to_exp_coef_is_consistent(self):
        f = audit.check_hr("x", audit.parse_printed("1.06"), audit.parse_printed("2.89"))
        assert f.status == audit.CONSISTENT
        assert "[2.8720, 2.9008]" in f.arithmetic  # exp of [1.055, 1.065], shown

    def test_papers_upgrading_row_is_inconsistent(self):
        f = audit.check_hr("upgrading_index", audit.parse_printed("0.23"),
                           audit.parse_printed("1.02"))
        assert f.status == audit.INCONSISTENT
        assert "1.2586" in f.arithmetic and "do not overlap" in f.arithmetic

    def test_only_the_rounding_box_reconciles_a_borderline_pair(self):
        # exp(0.10) = 1.1052 prints 1.11 only for coef. near the top of [0.095, 0.105]
        assert audit.check_hr("x", audit.parse_printed("0.10"),
                              audit.parse_printed("1.11")).status == audit.CONSISTENT
        assert audit.check_hr("x", audit.parse_printed("0.10"),
                              audit.parse_printed("1.12")).status == audit.INCONSISTENT


class TestStars:
    def test_cox_stars_from_normal(self):
        # z = 2.5 -> p = 0.0124 -> **
        f = audit.check_stars("cox", "x", audit.parse_printed("1.00"),
                              audit.parse_printed("0.40"), "**")
        assert f.status == audit.CONSISTENT
        assert f"{2 * stats.norm.sf(2.5):.4f}" in f.arithmetic

    def test_wrong_stars_are_inconsistent(self):
        f = audit.check_stars("cox", "x", audit.parse_printed("1.00"),
                              audit.parse_printed("0.40"), "***")
        assert f.status == audit.INCONSISTENT

    def test_ols_uses_t_with_residual_df(self):
        # |t| = 2.0: normal p = 0.0455 (**) but t(5) p = 0.102 (no star)
        coef, se = audit.parse_printed("2.000"), audit.parse_printed("1.000")
        assert audit.check_stars("ols", "x", coef, se, "", df_resid=5).status == audit.CONSISTENT
        assert audit.check_stars("ols", "x", coef, se, "**", df_resid=5).status == \
            audit.INCONSISTENT
        assert "t(5)" in audit.check_stars("ols", "x", coef, se, "", df_resid=5).arithmetic

    def test_coarse_rounding_admits_the_neighbouring_star(self):
        # -0.06/0.03: z = 2 at the printed values (**), but within the box z can fall to
        # 0.055/0.035 = 1.57, so the printed * is consistent only within rounding
        f = audit.check_stars("cox", "x", audit.parse_printed("-0.06"),
                              audit.parse_printed("0.03"), "*")
        assert f.status == audit.ROUNDING

    def test_unknown_stars_are_rejected(self):
        with pytest.raises(InputDataError, match="stars"):
            audit.check_stars("cox", "x", audit.parse_printed("1.0"),
                              audit.parse_printed("0.5"), "+")


class TestFTest:
    def test_f_formula(self):
        f, p = audit.f_test_pvalue(0.2, 76, 6)
        assert f == pytest.approx((0.2 / 6) / (0.8 / 69))
        assert p == pytest.approx(stats.f.sf(f, 6, 69))

    def test_matching_prob_f_is_consistent(self):
        _, p = audit.f_test_pvalue(0.30, 100, 4)
        f = audit.check_f_test(audit.parse_printed("0.30"), audit.parse_printed("100", exact=True),
                               4, audit.parse_printed(f"{p:.4f}"))
        assert f.status == audit.CONSISTENT

    def test_far_off_prob_f_is_inconsistent(self):
        f = audit.check_f_test(audit.parse_printed("0.30"), audit.parse_printed("100", exact=True),
                               4, audit.parse_printed("0.20"))
        assert f.status == audit.INCONSISTENT
        assert "F = (R²/k)/((1 − R²)/(n − k − 1))" in f.arithmetic


class TestSigns:
    def test_opposite_signs_agree(self):
        f = audit.check_sign("x", audit.parse_printed("-152.85"), "***",
                             audit.parse_printed("1.06"), "***")
        assert f.status == audit.CONSISTENT

    def test_same_signs_contradict(self):
        f = audit.check_sign("nation", audit.parse_printed("153.45"), "**",
                             audit.parse_printed("1.01"), "**")
        assert f.status == audit.INCONSISTENT and "both coefficients are significant" in \
            f.arithmetic

    def test_a_coefficient_rounding_to_zero_has_no_sign(self):
        f = audit.check_sign("x", audit.parse_printed("0.00"), "", audit.parse_printed("0.5"), "")
        assert f.status == audit.NOT_CHECKABLE


class TestWholeTable:
    @staticmethod
    def consistent_table():
        """A table built from exact numbers, printed with two decimals: every check passes."""
        rows = []
        n, k = 76, 2
        for term, (oc, ose), (cc, cse) in (("a", (-150.0, 50.0), (1.0, 0.30)),
                                           ("b", (40.0, 100.0), (-0.2, 0.50))):
            p_ols = 2 * stats.t.sf(abs(oc / ose), n - k - 1)
            p_cox = 2 * stats.norm.sf(abs(cc / cse))
            rows.append(["ols", term, f"{oc:.2f}", f"{ose:.2f}", audit.stars_for_p(p_ols), ""])
            rows.append(["cox", term, f"{cc:.2f}", f"{cse:.2f}", audit.stars_for_p(p_cox),
                         f"{math.exp(cc):.2f}"])
        rows.append(["ols", "const", "1000.00", "300.00", "***", ""])
        _, p = audit.f_test_pvalue(0.25, n, k)
        fit_rows = [["ols", "prob_f", f"{p:.4f}"], ["ols", "r2", "0.25"], ["ols", "n_obs", "76"],
                    ["cox", "prob_chi2", "0.01"], ["cox", "n_obs", "76"],
                    ["cox", "ph_test_global_p", "0.669"]]
        return coefs(rows), fit(fit_rows)

    def test_consistent_table_has_no_inconsistency(self):
        findings = audit.audit_table(*self.consistent_table())
        statuses = {f.status for f in findings}
        assert audit.INCONSISTENT not in statuses
        assert {f.check for f in findings} >= {"hr_exp_coef", "stars", "ols_f_test",
                                                "sign_agreement", "ph_test"}
        # k counts the slopes only: t(76 - 2 - 1)
        assert "t(73)" in by(findings, "stars", "a").arithmetic

    def test_broken_table_is_caught_everywhere(self):
        c, f = self.consistent_table()
        c.loc[(c.model == "cox") & (c.term == "a"), "hazard_ratio"] = "1.02"   # HR ≠ exp(coef)
        c.loc[(c.model == "ols") & (c.term == "b"), "stars"] = "***"         # unjustified stars
        c.loc[(c.model == "ols") & (c.term == "a"), "coef"] = "150.00"       # same sign as Cox
        f.loc[f.statistic == "prob_f", "value"] = "0.50"                     # F test off
        f.loc[f.statistic == "ph_test_global_p", "value"] = "0.001"          # PH rejected
        findings = audit.audit_table(c, f)
        assert by(findings, "hr_exp_coef", "a").status == audit.INCONSISTENT
        assert by(findings, "stars", "b").status == audit.INCONSISTENT
        assert by(findings, "sign_agreement", "a").status == audit.INCONSISTENT
        assert by(findings, "ols_f_test", "prob_f").status == audit.INCONSISTENT
        assert by(findings, "ph_test", "ph_test_global_p").status == audit.INCONSISTENT

    def test_the_papers_table(self):
        from conftest import REPO

        findings = audit.audit_table(
            audit.load_printed_table(REPO / "data/paper/paper_table1.csv"),
            audit.load_printed_table(REPO / "data/paper/paper_table1_fit.csv"))
        bad = {(f.check, f.term) for f in findings if f.status == audit.INCONSISTENT}
        assert ("hr_exp_coef", "upgrading_index") in bad      # coef 0.23 but HR 1.02
        assert ("sign_agreement", "nation") in bad            # same sign in both models
        assert by(findings, "ph_test", "ph_test_global_p").status == audit.CONSISTENT
        text = audit.render_audit_markdown(findings)
        assert text.startswith("# Audit of the published Table 1")
        assert "## Summary" in text and "1.2586" in text

    def test_missing_columns_are_named(self):
        with pytest.raises(InputDataError, match="hazard_ratio"):
            audit.audit_table(pd.DataFrame({"model": [], "term": [], "coef": [],
                                            "std_err": [], "stars": []}), fit([]))

    def test_printed_text_keeps_trailing_zeros(self, tmp_path):
        path = tmp_path / "t.csv"
        path.write_text("model,statistic,value\nols,r2,0.20\n", encoding="utf-8")
        assert audit.load_printed_table(path)["value"].iloc[0] == "0.20"
