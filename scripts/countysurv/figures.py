"""Figures of the report: survival curves, hazard ratios, PH diagnostics, indices, data coverage.

Each ``*_figure`` function takes DataFrames / result dicts and returns a matplotlib ``Figure``
(built without pyplot's global state, Agg backend); :func:`save_figure` writes it as PNG and SVG.
Output is byte-for-byte reproducible: the style is fixed in :data:`STYLE` (including
``svg.hashsalt``, so SVG element ids do not change between runs), SVG is written with no ``Date``
and PNG with no ``Software`` metadata, and nothing depends on the clock or a random state.

* :func:`km_figure` — Kaplan–Meier curves of time to exit by a 0/1 group (``nation``,
  ``industry``) with 95 % CIs, censoring ticks, the log-rank p and at-risk counts under the axis.
* :func:`forest_figure` — Cox hazard ratios with the model's Wald 95 % CI and the bootstrap
  percentile CI (log scale), and optionally the paper's printed HR.
* :func:`schoenfeld_figure` — unscaled Schoenfeld residuals (computed by the rule's script with
  :mod:`countysurv.models`) against time per term, with a lowess smooth and the ``cox.zph``-style
  PH-test p-values (per term and global).
* :func:`index_distributions_figure` — histograms of the indices (and extra continuous terms) of
  the model, exited vs censored.
* :func:`coverage_figure` — which (county, indicator, year) cells of the panel hold a value.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import InputDataError
from .io import atomic_path
from .terms import FIGURE_LABELS, INDICES

#: Fixed style of every figure; ``svg.hashsalt`` makes SVG ids deterministic.
STYLE: dict[str, Any] = {
    "svg.hashsalt": "countysurv-report",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.dpi": 120,
    "path.simplify": True,
}
PNG_DPI = 120

GROUP_LABELS: dict[str, dict[int, str]] = {
    "nation": {0: "not an ethnic-minority area (nation = 0)",
               1: "ethnic-minority area (nation = 1)"},
    "industry": {0: "secondary or tertiary sector largest (industry = 0)",
                 1: "primary sector largest (industry = 1)"},
}
_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


def _mpl():
    """matplotlib, forced onto the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    return matplotlib


def _new_figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def save_figure(fig, png_path: str | Path, svg_path: str | Path) -> None:
    """Write ``fig`` as PNG and SVG (atomically, deterministic bytes)."""
    mpl = _mpl()
    with mpl.rc_context(STYLE):
        with atomic_path(png_path) as tmp:
            fig.savefig(tmp, format="png", dpi=PNG_DPI, metadata={"Software": None})
        with atomic_path(svg_path) as tmp:
            fig.savefig(tmp, format="svg", metadata={"Date": None})


# --------------------------------------------------------------------------- Kaplan–Meier


def km_figure(survival: pd.DataFrame, group: str, time_col: str = "duration_days",
              event_col: str = "event", time_label: str = "days since the policy decision"):
    """Kaplan–Meier curves of time to exit for each level of the 0/1 column ``group``."""
    mpl = _mpl()
    from lifelines import KaplanMeierFitter
    from lifelines.plotting import add_at_risk_counts
    from lifelines.statistics import logrank_test

    labels = GROUP_LABELS.get(group, {})
    if survival[group].isna().all():
        raise InputDataError(f"Kaplan–Meier by {group}: the survival dataset has no value of "
                             f"{group} (not among config models.terms)")
    with mpl.rc_context(STYLE):
        fig = _new_figure(7.5, 5.6)
        ax = fig.add_axes((0.12, 0.36, 0.84, 0.56))
        fitters, legend_labels = [], []
        levels = sorted(pd.unique(survival[group].dropna()))
        for i, level in enumerate(levels):
            sub = survival[survival[group] == level]
            name = labels.get(int(level), f"{group} = {level}")
            kmf = KaplanMeierFitter(label=f"{group} = {int(level)}")
            kmf.fit(sub[time_col], sub[event_col])
            legend_labels.append(f"{name}, n = {len(sub)}")
            kmf.plot_survival_function(ax=ax, ci_show=True, show_censors=True,
                                       color=_COLORS[i % len(_COLORS)],
                                       censor_styles={"marker": "|", "ms": 6})
            fitters.append(kmf)
        if len(levels) == 2:
            a = survival[survival[group] == levels[0]]
            b = survival[survival[group] == levels[1]]
            res = logrank_test(a[time_col], b[time_col], a[event_col], b[event_col])
            test = f"log-rank p = {res.p_value:.3g}"
        else:
            test = "one group only: no log-rank test"
        ax.set_title(f"Time to exit from poverty by {group} ({test})")
        ax.set_xlabel(time_label)
        ax.set_ylabel("share of counties not yet exited")
        ax.set_ylim(0, 1.02)
        ax.set_xlim(left=0)
        handles = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
        handles = [h for h in handles if h.get_label() in {f.label for f in fitters}]
        ax.legend(handles[:len(legend_labels)], legend_labels, loc="lower left", frameon=False)
        if fitters:
            add_at_risk_counts(*fitters, ax=ax, fig=fig, ypos=-0.3)
    return fig


# --------------------------------------------------------------------------- forest plot


def _clip(x: float) -> float:
    return float(np.clip(x, 1e-6, 1e6)) if math.isfinite(x) else (1e6 if x > 0 else 1e-6)


def forest_figure(cox: Mapping[str, Any], boot: pd.DataFrame | None = None,
                  paper_hr: Mapping[str, float] | None = None,
                  terms: Sequence[str] | None = None):
    """Cox hazard ratios with Wald and bootstrap 95 % CIs (log scale)."""
    mpl = _mpl()
    terms = list(terms or cox.get("terms") or cox["coef"].keys())
    boot_rows: dict[str, Mapping[str, Any]] = {}
    if boot is not None and len(boot):
        boot_rows = {str(r["term"]): r for r in boot[boot["model"] == "cox"].to_dict("records")}
    with mpl.rc_context(STYLE):
        fig = _new_figure(9.5, 0.55 * len(terms) + 1.8)
        ax = fig.add_axes((0.33, 0.17, 0.5, 0.73))
        for i, term in enumerate(terms):
            y = len(terms) - 1 - i
            hr = math.exp(cox["coef"][term])
            half = 1.959964 * cox["se"][term]  # Wald 95% half-width, when cox.json has no HR CI
            lo = cox.get("hr_ci_lower", {}).get(term, math.exp(cox["coef"][term] - half))
            hi = cox.get("hr_ci_upper", {}).get(term, math.exp(cox["coef"][term] + half))
            ax.plot([_clip(lo), _clip(hi)], [y + 0.12] * 2, color=_COLORS[0], lw=2,
                    label="Wald 95% CI (model)" if i == 0 else None)
            ax.plot([_clip(hr)], [y + 0.12], "o", color=_COLORS[0], ms=5,
                    label="hazard ratio (this run)" if i == 0 else None)
            text = f"{hr:.2f} [{lo:.2f}, {hi:.2f}]"
            b = boot_rows.get(term)
            if b is not None and math.isfinite(b["ci_lower"]) and math.isfinite(b["ci_upper"]):
                blo, bhi = math.exp(min(b["ci_lower"], 700)), math.exp(min(b["ci_upper"], 700))
                ax.plot([_clip(blo), _clip(bhi)], [y - 0.12] * 2, color=_COLORS[1], lw=2,
                        label=f"bootstrap 95% CI (B = {int(b['n_used'])})" if i == 0 else None)
                text += f"\nboot. [{blo:.2f}, {bhi:.2f}]"
            if paper_hr and term in paper_hr and math.isfinite(paper_hr[term]):
                ax.plot([_clip(paper_hr[term])], [y], "x", color="0.35", ms=6,
                        label="paper's printed HR" if i == 0 else None)
            ax.text(1.02, y, text, transform=ax.get_yaxis_transform(), va="center", fontsize=8)
        ax.axvline(1.0, color="0.5", lw=0.8, ls="--")
        ax.set_xscale("log")
        ax.set_yticks(range(len(terms)))
        ax.set_yticklabels([FIGURE_LABELS.get(t, t) for t in reversed(terms)])
        ax.set_ylim(-0.7, len(terms) - 0.3)
        ax.set_xlabel("hazard ratio of exit (log scale; > 1 = earlier exit)")
        ax.set_title("Cox model: hazard ratios with 95% confidence intervals")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False,
                  fontsize=8)
    return fig


# --------------------------------------------------------------------------- Schoenfeld


def _lowess(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    from statsmodels.nonparametric.smoothers_lowess import lowess

    return lowess(y, x, frac=2 / 3, it=3, return_sorted=True)


def schoenfeld_figure(residuals: pd.DataFrame, ph_test: Mapping[str, Any] | None,
                      terms: Sequence[str]):
    """Schoenfeld residuals against time per term, with the PH-test p-values in the titles.

    ``residuals`` has a ``time`` column and one column per term, one row per event (as
    :func:`countysurv.models.schoenfeld_residuals` returns them); ``ph_test`` is the ``ph_test``
    entry of ``cox.json`` (per-term ``pvalue``, ``global_pvalue`` and the time ``transform`` the
    residuals were computed with).
    """
    mpl = _mpl()
    terms = list(terms)
    ph = ph_test or {}
    transform = ph.get("transform", "km")
    ncol = 3
    nrow = math.ceil(len(terms) / ncol)
    with mpl.rc_context(STYLE):
        fig = _new_figure(10.0, 3.1 * nrow + 0.8)
        axes = fig.subplots(nrow, ncol, squeeze=False)
        for k, term in enumerate(terms):
            ax = axes[k // ncol][k % ncol]
            x = residuals["time"].to_numpy(dtype=float)
            y = residuals[term].to_numpy(dtype=float)
            ax.scatter(x, y, s=10, color=_COLORS[0], alpha=0.7, linewidths=0)
            if len(x) > 3 and np.ptp(x) > 0:
                smooth = _lowess(x, y)
                ax.plot(smooth[:, 0], smooth[:, 1], color=_COLORS[1], lw=1.5)
            ax.axhline(0.0, color="0.5", lw=0.8, ls="--")
            p = (ph.get("pvalue") or {}).get(term)
            ptext = f"PH test p = {p:.3f}" if p is not None else "PH test p not computed"
            ax.set_title(f"{FIGURE_LABELS.get(term, term)}\n{ptext}", fontsize=8.5)
            ax.set_xlabel("days since the policy decision (event times)", fontsize=8)
            ax.set_ylabel("Schoenfeld residual", fontsize=8)
        for k in range(len(terms), nrow * ncol):
            axes[k // ncol][k % ncol].set_visible(False)
        gp = ph.get("global_pvalue")
        fig.suptitle("Proportional-hazards diagnostics: unscaled Schoenfeld residuals with lowess "
                     f"smooth; global test p = {gp:.3f} ({transform} time transform)"
                     if gp is not None else "Schoenfeld residuals", fontsize=10)
        fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


# --------------------------------------------------------------------------- indices


def index_distributions_figure(survival: pd.DataFrame, indices: Sequence[str] = INDICES,
                               event_col: str = "event"):
    """Histograms of the indices, stacked by exited (event = 1) and censored counties.

    ``indices`` are the columns drawn (the three indices of the paper by default;
    :func:`countysurv.terms.distribution_terms` for a configured model). With none, the figure
    says that no index is in the model.
    """
    mpl = _mpl()
    indices = list(indices)
    with mpl.rc_context(STYLE):
        fig = _new_figure(10.0, 3.4)
        if not indices:
            fig.text(0.5, 0.5, "No index of the paper and no additional continuous control is "
                     "among the model terms (config models.terms):\nno distribution to show.",
                     ha="center", va="center")
            return fig
        axes = fig.subplots(1, len(indices), squeeze=False)[0]
        for ax, col in zip(axes, indices):
            values = survival[col].to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            edges = np.histogram_bin_edges(values, bins=12) if len(values) else np.arange(2)
            groups = [survival.loc[survival[event_col] == e, col].dropna().to_numpy(float)
                      for e in (1, 0)]
            ax.hist(groups, bins=edges, stacked=True, color=[_COLORS[0], "0.7"],
                    label=[f"exited (n = {len(groups[0])})", f"censored (n = {len(groups[1])})"])
            if len(values):
                ax.set_title(f"{FIGURE_LABELS.get(col, col)}\nmedian {np.median(values):.3g}, "
                             f"range {values.min():.3g}–{values.max():.3g}", fontsize=8.5)
            ax.set_xlabel(col)
            ax.set_ylabel("counties")
        axes[0].legend(frameon=False, fontsize=8)
        fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- coverage


def coverage_figure(panel: pd.DataFrame, indicators: Sequence[str],
                    baseline_year: int | None = None):
    """Heatmap of panel coverage: rows counties, columns indicator × year; dark = value present."""
    mpl = _mpl()
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Rectangle

    counties = sorted(panel["county_code"].astype(str).unique())
    years = sorted(int(y) for y in panel["year"].unique())
    indicators = [i for i in indicators if i in panel.columns]
    wide = panel.set_index([panel["county_code"].astype(str), panel["year"].astype(int)])
    matrix = np.zeros((len(counties), len(indicators) * len(years)))
    for j, ind in enumerate(indicators):
        present = wide[ind].notna().unstack().reindex(index=counties, columns=years)
        matrix[:, j * len(years):(j + 1) * len(years)] = present.fillna(False).to_numpy(float)
    with mpl.rc_context(STYLE):
        height = max(4.0, 0.11 * len(counties) + 2.4)
        fig = _new_figure(11.0, height)
        ax = fig.add_axes((0.08, 1.5 / height, 0.9, 1 - 2.2 / height))
        ax.imshow(matrix, aspect="auto", interpolation="nearest",
                  cmap=ListedColormap(["#f3c3c3", "#2b5d8a"]), vmin=0, vmax=1)
        for j in range(1, len(indicators)):
            ax.axvline(j * len(years) - 0.5, color="white", lw=2)
        if baseline_year in years:
            b = years.index(baseline_year)
            for j in range(len(indicators)):
                ax.add_patch(Rectangle((j * len(years) + b - 0.5, -0.5), 1, len(counties),
                                       fill=False, ec="#f0a000", lw=0.8))
        ax.set_xticks([j * len(years) + (len(years) - 1) / 2 for j in range(len(indicators))])
        ax.set_xticklabels(indicators, rotation=35, ha="right")
        step = max(1, len(counties) // 40)
        ax.set_yticks(range(0, len(counties), step))
        ax.set_yticklabels(counties[::step], fontsize=6)
        ax.set_ylabel("county")
        missing = int((matrix == 0).sum())
        ax.set_title(f"Panel coverage: {len(counties)} counties × {len(indicators)} indicators × "
                     f"years {years[0]}–{years[-1]} (left to right in each block)\n"
                     f"blue = value, pink = missing ({missing} of {matrix.size} cells)"
                     + (f"; orange frame = baseline year {baseline_year}"
                        if baseline_year in years else ""), fontsize=8.5)
        for side in ("top", "right"):
            ax.spines[side].set_visible(True)
    return fig
