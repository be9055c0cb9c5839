"""Comparative statistics of union functions: shares, tests of difference, drill-down.

Input is the three tables a run writes (documents.csv, articles.csv, items.csv)
as DataFrames; output is tidy DataFrames.  Nothing here touches the disk.

Counting rules (the defaults every table states):

* one row per **item** that is not a heading (``is_heading`` false) — headings
  only with ``include_headings=True``;
* **near-duplicates once**: an item whose ``duplicate_of`` is set, or that sits
  in an article whose ``duplicate_of`` is set, is dropped (``keep_duplicates``
  keeps them);
* ``labels="primary"`` counts each item once under its primary label, so the
  shares of a group sum to one; ``labels="any"`` counts an item under its
  primary and each secondary label, so a share is "items with this label among
  the group's items" and the shares of a group may sum to more than one.

Confidence intervals are 95 % **Wilson score** intervals
(``statsmodels.stats.proportion.proportion_confint(method="wilson")``) by
default; ``ci="bootstrap"`` treats whole documents as the unit (items of one
document are not independent): percentile intervals of a cluster bootstrap from 50
documents up, Korn-Graubard intervals (t on documents - 1 df) below.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import ConfigError
from .model import LABELS

#: groupings the shares and tests are computed for
GROUPINGS: tuple[str, ...] = ("doc_id", "article_id", "sector", "year", "doc_type")
#: value used for a group whose metadata is empty
UNKNOWN = "unknown"
#: value of ``group`` in the pooled row of every share table
ALL = "(all)"
#: expected count under which a chi-square cell is "small" (Cochran's rule)
MIN_EXPECTED = 5.0


# ------------------------------------------------------------------------------
# the analysis frame: items with their groups, filtered by the counting rules
# ------------------------------------------------------------------------------
def _text(s: pd.Series) -> pd.Series:
    return s.astype(object).where(s.notna(), "").astype(str).str.strip()


def _as_bool(s: pd.Series) -> pd.Series:
    if s.dtype == bool:
        return s
    return _text(s).str.lower().isin({"true", "1", "yes", "y", "t"})


#: a document whose articles disagree has the value ``mixed`` (``metadata.MIXED``): not a group
MIXED = "mixed"


def _known(s: pd.Series) -> pd.Series:
    return ~s.str.lower().isin({"", UNKNOWN, MIXED, "nan", "none"})


def _require(frame: pd.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConfigError(f"{name} table", f"columns {', '.join(columns)}",
                          f"no column {', '.join(missing)}",
                          f"pass the {name}.csv written by 'unionmine run' or 'unionmine segment'")


def attach_groups(documents: pd.DataFrame | None, articles: pd.DataFrame | None,
                  items: pd.DataFrame) -> pd.DataFrame:
    """Items with ``article_id``, ``sector``, ``year``, ``doc_type`` and ``article_duplicate_of``.

    Metadata comes from the item itself when it has the column, else from its
    article, else from its document, but only from a document none of whose
    articles has a value for the field: a run's document value is the one its
    articles share, so it would only lend an article the value of its
    siblings (in the samples 45% of the counted items took a year that way,
    93 of the 99 items of "2009"); a document value given by hand for a
    document whose articles have none is used.  Where none has it (empty,
    ``unknown``, or a document's ``mixed``), the group is ``unknown``.
    """
    _require(items, "items", ("item_id", "doc_id", "article"))
    out = items.copy()
    out["doc_id"] = _text(out["doc_id"])
    out["article"] = _text(out["article"])
    meta = ("sector", "year", "doc_type")
    for c in meta:
        if c in out.columns:
            out = out.rename(columns={c: f"_item_{c}"})
    if articles is not None and len(articles.columns):
        _require(articles, "articles", ("doc_id", "article"))
        a = articles.copy()
        a["doc_id"], a["article"] = _text(a["doc_id"]), _text(a["article"])
        if "article_id" not in a.columns:
            a["article_id"] = a["doc_id"] + ":" + a["article"]
        a = a.rename(columns={"duplicate_of": "article_duplicate_of"})
        keep = ["doc_id", "article", "article_id"] + [c for c in (*meta, "article_duplicate_of") if c in a.columns]
        if "article_id" in out.columns:
            out = out.drop(columns="article_id")
        out = out.merge(a[keep].drop_duplicates(["doc_id", "article"]), on=["doc_id", "article"], how="left")
    if "article_id" not in out.columns:
        out["article_id"] = out["doc_id"] + ":" + out["article"]
    out["article_id"] = _text(out["article_id"])
    out.loc[out["article_id"] == "", "article_id"] = out["doc_id"] + ":" + out["article"]
    docs = None
    if documents is not None and len(documents.columns):
        _require(documents, "documents", ("doc_id",))
        docs = documents.copy()
        docs["doc_id"] = _text(docs["doc_id"])
        docs = docs.drop_duplicates("doc_id").set_index("doc_id")
    for c in meta:
        value = pd.Series("", index=out.index)
        doc_values = None
        if docs is not None and c in docs.columns:
            doc_values = out["doc_id"].map(_text(docs[c]))
            if c in out.columns:  # documents whose articles know the field: their value is the articles'
                known_in = set(out.loc[_known(_text(out[c])), "doc_id"])
                if articles is not None and c in articles.columns:
                    known_in |= set(_text(articles["doc_id"])[_known(_text(articles[c])).to_numpy()])
                doc_values = doc_values.where(~out["doc_id"].isin(known_in), "")
        sources = [out.pop(f"_item_{c}") if f"_item_{c}" in out.columns else None,
                   out[c] if c in out.columns else None, doc_values]
        for src in sources:
            if src is not None:
                src = _text(src)
                value = value.where(_known(value), src)
        out[c] = value.where(_known(value), UNKNOWN)
    out["article_duplicate_of"] = (_text(out["article_duplicate_of"]) if "article_duplicate_of" in out.columns
                                   else "")
    return out


def select_items(frame: pd.DataFrame, *, keep_duplicates: bool = False,
                 include_headings: bool = False) -> pd.DataFrame:
    """Apply the counting rules: drop headings and near-duplicates unless asked not to."""
    keep = pd.Series(True, index=frame.index)
    if not include_headings and "is_heading" in frame.columns:
        keep &= ~_as_bool(frame["is_heading"])
    if not keep_duplicates:
        for col in ("duplicate_of", "article_duplicate_of"):
            if col in frame.columns:
                keep &= _text(frame[col]) == ""
    return frame.loc[keep].reset_index(drop=True)


def analysis_frame(documents: pd.DataFrame | None, articles: pd.DataFrame | None, items: pd.DataFrame, *,
                   keep_duplicates: bool = False, include_headings: bool = False) -> pd.DataFrame:
    """The items the statistics count, each with its groups (one call for notebooks)."""
    return select_items(attach_groups(documents, articles, items),
                        keep_duplicates=keep_duplicates, include_headings=include_headings)


def label_long(frame: pd.DataFrame, labels: str = "primary") -> pd.DataFrame:
    """One row per (item, label) counted: the primary label, or with ``any`` also the secondary ones."""
    if labels not in ("primary", "any"):
        raise ConfigError("labels", "primary or any", repr(labels), "pass labels='primary' or labels='any'")
    _require(frame, "items", ("primary_label",))
    primary = _text(frame["primary_label"])
    unlabelled = int((primary == "").sum())
    if unlabelled:
        warnings.warn(f"items: {unlabelled} item(s) have no primary_label and are left out of the statistics; "
                      "run 'unionmine classify' (or 'unionmine run') first", stacklevel=2)
    out = frame.assign(label=primary)
    if labels == "any" and "secondary_labels" in frame.columns:
        # an item without a primary label is left out (the warning above): its secondary labels too
        labelled = frame[(primary != "").to_numpy()]
        sec = _text(labelled["secondary_labels"]).str.split(";")
        extra = labelled.assign(label=sec).explode("label")
        extra["label"] = _text(extra["label"])
        out = pd.concat([out, extra], ignore_index=True)
    out = out[out["label"] != ""]
    return out.drop_duplicates(["item_id", "label"]).reset_index(drop=True)


def label_order(found) -> list[str]:
    """The five codebook labels in codebook order, then any other label found (sorted)."""
    extra = sorted(set(found) - set(LABELS))
    return list(LABELS) + extra


def _check_by(frame: pd.DataFrame, by: str) -> None:
    if by not in frame.columns:
        raise ConfigError("by", f"a column of the analysis frame ({', '.join(GROUPINGS)})", repr(by),
                          "pass --by sector|year|doc_type|doc_id|article_id")


# ------------------------------------------------------------------------------
# shares with confidence intervals
# ------------------------------------------------------------------------------
def wilson_interval(count, nobs, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (statsmodels); (nan, nan) where ``nobs`` is 0."""
    from statsmodels.stats.proportion import proportion_confint

    count, nobs = np.asarray(count, float), np.asarray(nobs, float)
    safe = np.where(nobs > 0, nobs, 1.0)
    lo, hi = proportion_confint(count, safe, alpha=alpha, method="wilson")
    lo, hi = np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)  # rounding can leave -1e-17 at a count of 0
    return np.where(nobs > 0, lo, np.nan), np.where(nobs > 0, hi, np.nan)


def cluster_counts(sub: pd.DataFrame, cluster: str, label_list: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per cluster (document or item): each label's count (clusters × labels) and the items counted."""
    n_per = sub.groupby(cluster)["item_id"].nunique()
    counts = (sub.groupby([cluster, "label"])["item_id"].nunique().unstack(fill_value=0)
              .reindex(index=n_per.index, columns=label_list, fill_value=0))
    return counts.to_numpy(float), n_per.to_numpy(float)


def _clopper_pearson(p: np.ndarray, n_eff: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Clopper-Pearson interval of p·n_eff successes out of n_eff (not whole numbers:
    the Korn-Graubard effective items)."""
    from scipy import stats as ss

    x = p * n_eff
    lo = np.where(x > 0, ss.beta.ppf(alpha / 2, np.maximum(x, 1e-12), n_eff - x + 1), 0.0)
    hi = np.where(x < n_eff, ss.beta.ppf(1 - alpha / 2, x + 1, np.maximum(n_eff - x, 1e-12)), 1.0)
    return lo, hi


def korn_graubard_items(c: np.ndarray, k: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """``korn_graubard_interval`` for many groups at once whose units are single
    items (an item carries a label or not): ``c`` groups × labels counts, ``k`` the
    items of each group.  The same formula; with one-item units the residuals sum
    to c(1 - p)² + (k - c)p² and the t correction is 1, so no per-group work is left."""
    c = np.asarray(c, float)
    k = np.asarray(k, float)[:, None] * np.ones_like(c)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = c / k
        v = k / (k - 1) * (c * (1 - p) ** 2 + (k - c) * p ** 2) / k ** 2
        n_eff = np.where(v > 0, np.minimum(k, p * (1 - p) / np.where(v > 0, v, 1)), k)
        lo, hi = _clopper_pearson(p, n_eff, alpha)
    bad = k < 2
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def _items_intervals(groups: list[str], c: np.ndarray, nn: np.ndarray, alpha: float,
                     lo: np.ndarray, hi: np.ndarray, method: np.ndarray) -> None:
    """Intervals of the groups inside one document (doc_id, article_id; not ``(all)``),
    items as the units, Korn-Graubard at every size: items of one report are the
    units a percentile bootstrap would resample, and it adds nothing but time
    (a run has thousands of documents and articles).  ``c`` groups × labels counts,
    ``nn`` the items of each group: with one-item units that is all it needs."""
    at = [i for i, g in enumerate(groups) if g != ALL and nn[i] > 0]
    if not at:
        return
    cs, ks = c[at], nn[at]
    glo, ghi = korn_graubard_items(cs, ks, alpha)
    for j, i in enumerate(at):
        k = int(ks[j])
        if k < 2:
            lo[i], hi[i] = np.nan, np.nan
            method[i] = "none: one item (an interval over items needs two or more)"
            continue
        lo[i], hi[i] = glo[j], ghi[j]
        fixed = (cs[j] == 0) | (cs[j] == k)
        method[i] = f"korn-graubard over {k} items (the items of one document as the units; t on {k - 1} df)"
        method[i][fixed] = (f"korn-graubard over {k} items (count 0 or all: no spread to measure, "
                            f"so every item counts; t on {k - 1} df)")


def bootstrap_percentile_interval(c: np.ndarray, n: np.ndarray, alpha: float, n_boot: int,
                                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of each label's share Σc/Σn, resampling whole clusters.

    ``c`` is clusters × labels, ``n`` the items per cluster.  A replicate draws
    as many clusters as there are, with replacement; it is represented by
    multinomial weights per cluster, in batches, so memory stays at
    (batch × clusters) whatever the number of items.
    """
    c, n = np.asarray(c, float), np.asarray(n, float)
    k = len(n)
    batch = max(1, min(n_boot, 4_000_000 // max(k, 1)))
    shares = []
    for start in range(0, n_boot, batch):
        w = rng.multinomial(k, np.full(k, 1.0 / k), size=min(batch, n_boot - start)).astype(float)
        tot = w @ n
        shares.append((w @ c) / np.where(tot > 0, tot, 1)[:, None])
    lo, hi = np.quantile(np.vstack(shares), [alpha / 2, 1 - alpha / 2], axis=0)
    return lo, hi


def korn_graubard_interval(c: np.ndarray, n: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Interval of each label's share Σc/Σn for a few clusters (documents): Korn-Graubard.

    Clopper-Pearson on an effective number of items: p(1 - p) / v, with v the
    cluster-robust (linearisation) variance of the ratio Σc/Σn, at most the
    items counted, then times (t(N-1) / t(K-1))² so that the interval carries
    the K - 1 degrees of freedom the variance rests on (Korn & Graubard 1998).
    R survey's ``svyciprop(method="beta")`` is the same without the cap at the
    items counted (the NCHS practice kept here: documents more alike than
    independent draws do not make the interval narrower than the items').  With 2-5 documents a percentile
    bootstrap has 3-126 distinct resamples and its 95% intervals held the true
    share 46-83% of the time in ``benchmarks/ci_coverage.py``; these held it
    92-100%.  ``c`` is clusters × labels, ``n`` the items per cluster; needs two
    clusters or more.
    """
    from scipy import stats as ss

    n = np.asarray(n, float)
    c = np.asarray(c, float)
    c = c[:, None] if c.ndim == 1 else c  # one label's counts (a vector): one column
    k, total = len(n), n.sum()
    if k < 2 or total <= 0:
        nan = np.full(c.shape[1], np.nan)
        return nan, nan.copy()
    p = c.sum(axis=0) / total
    resid = c - p[None, :] * n[:, None]
    v = k / (k - 1) * (resid ** 2).sum(axis=0) / total ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = np.where(v > 0, np.minimum(total, p * (1 - p) / np.where(v > 0, v, 1)), total)
    n_eff = n_eff * (ss.t.ppf(1 - alpha / 2, max(total - 1, 1)) / ss.t.ppf(1 - alpha / 2, k - 1)) ** 2
    return _clopper_pearson(p, n_eff, alpha)


#: fewer documents than this: ``ci="bootstrap"`` gives the Korn-Graubard interval, as the
#: percentile bootstrap under-covers (benchmarks/ci_coverage.py); inside one document (doc_id,
#: article_id groups) the interval over items is Korn-Graubard whatever their number
BOOTSTRAP_MIN_CLUSTERS = 50

SHARE_COLUMNS = ["grouping", "group", "label", "count", "n_items", "share", "ci_low", "ci_high", "n_documents",
                 "labels", "ci_method"]


def function_shares(frame: pd.DataFrame, by: str, *, labels: str = "primary", ci: str = "wilson",
                    alpha: float = 0.05, n_boot: int = 2000, seed: int = 0,
                    include_all: bool = True,
                    bootstrap_min_clusters: int = BOOTSTRAP_MIN_CLUSTERS) -> pd.DataFrame:
    """Counts and shares of each label per group, with a (1 - alpha) confidence interval.

    One row per (group, label), every codebook label present even at count 0, so
    that with ``labels="primary"`` the shares of a group sum to one.  With
    ``include_all`` a pooled group ``(all)`` comes last.  ``ci="bootstrap"`` treats
    documents as the unit: a percentile bootstrap from ``bootstrap_min_clusters``
    documents up, below that the Korn-Graubard interval (``korn_graubard_interval``);
    inside one document (``by`` = doc_id or article_id) items are the units, with the
    Korn-Graubard interval at every size; ``ci_method`` says which, per row.
    """
    _check_by(frame, by)
    if ci not in ("wilson", "bootstrap"):
        raise ConfigError("ci", "wilson or bootstrap", repr(ci), "pass ci='wilson' or ci='bootstrap'")
    long = label_long(frame, labels)
    base = frame[_text(frame["primary_label"]) != ""] if "primary_label" in frame.columns else frame
    base = base.assign(_g=_text(base[by]))
    long = long.assign(_g=_text(long[by]))
    label_list = label_order(long["label"].unique())
    groups = sorted(base["_g"].unique())
    if ALL in groups:  # the pooled row's name: the table would come out of shape
        raise ConfigError(f"{by} groups", f"names other than {ALL} (the pooled row of every share table)",
                          f"a {by} named {ALL}", f"rename that {by} in the documents, articles or items table")
    n = base.groupby("_g")["item_id"].nunique().reindex(groups, fill_value=0)
    n_docs = base.groupby("_g")["doc_id"].nunique().reindex(groups, fill_value=0)
    counts = (long.groupby(["_g", "label"])["item_id"].nunique().unstack(fill_value=0)
              .reindex(index=groups, columns=label_list, fill_value=0))
    if include_all:
        groups = groups + [ALL]
        n.loc[ALL] = base["item_id"].nunique()
        n_docs.loc[ALL] = base["doc_id"].nunique()
        counts.loc[ALL] = long.groupby("label")["item_id"].nunique().reindex(label_list, fill_value=0)
    c = counts.to_numpy(float)
    nn = n.to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(nn[:, None] > 0, c / np.where(nn > 0, nn, 1)[:, None], np.nan)
    lo, hi = wilson_interval(c, np.repeat(nn[:, None], len(label_list), axis=1), alpha)
    wilson_lo, wilson_hi = lo.copy(), hi.copy()
    method = np.full((len(groups), len(label_list)), "wilson", dtype=object)
    if ci == "bootstrap":
        rng = np.random.default_rng(seed)
        inside = by in ("doc_id", "article_id")  # groups inside one document: items are the units
        if inside:
            _items_intervals(groups, c, nn, alpha, lo, hi, method)
        by_group = dict(tuple(long.groupby("_g"))) if len(long) and not inside else {}
        for i, g in enumerate(groups):
            if inside and g != ALL:
                continue
            sub = long if g == ALL else by_group.get(g)
            if sub is None or not len(sub):
                method[i] = "none: no items (nothing counted in this group)"
                continue
            if sub["doc_id"].nunique() < 2:
                # resampling one document gives it back every time: a zero-width interval
                # that would look like certainty; say there is none
                lo[i], hi[i] = np.nan, np.nan
                method[i] = "none: one document (an interval over documents needs two or more)"
                continue
            per_c, per_n = cluster_counts(sub, "doc_id", label_list)
            fixed = (c[i] == 0) | (c[i] == nn[i])  # a label seen in none or in all of the group's items
            k = len(per_n)
            if k >= bootstrap_min_clusters:
                lo[i], hi[i] = bootstrap_percentile_interval(per_c, per_n, alpha, n_boot, rng)
                method[i] = f"bootstrap over documents (B={n_boot}, seed={seed})"
                # every resample gives the same share, a zero-width interval; the Wilson
                # interval says what the count allows
                lo[i][fixed], hi[i][fixed] = wilson_lo[i][fixed], wilson_hi[i][fixed]
                method[i][fixed] = "wilson (count 0 or all: a bootstrap cannot vary it)"
            else:
                # with few units the percentile bootstrap's resamples are few and its
                # intervals too narrow (49-51% coverage with 2 documents, 80-83% with 5).
                # A count of 0 or all keeps this interval too (every item counts, t on k - 1
                # df): for a label in 2% of items, with Wilson there, 2-3 documents' intervals
                # covered 65-98%; with this, 99.7-100% (benchmarks/ci_coverage.py --mus 0.02)
                lo[i], hi[i] = korn_graubard_interval(per_c, per_n, alpha)
                method[i] = (f"korn-graubard over {k} documents (t on {k - 1} df; a percentile "
                             f"bootstrap under-covers below {bootstrap_min_clusters})")
                method[i][fixed] = (f"korn-graubard over {k} documents (count 0 or all: no spread to measure, "
                                    f"so every item counts; t on {k - 1} df)")
    rows = pd.DataFrame({
        "grouping": by, "group": np.repeat(groups, len(label_list)), "label": np.tile(label_list, len(groups)),
        "count": c.astype(int).ravel(), "n_items": np.repeat(nn.astype(int), len(label_list)),
        "share": share.ravel(), "ci_low": lo.ravel(), "ci_high": hi.ravel(),
        "n_documents": np.repeat(n_docs.to_numpy(int), len(label_list)), "labels": labels,
        "ci_method": method.ravel()})
    return rows[SHARE_COLUMNS]


def crosstab(frame: pd.DataFrame, by: str, labels: str = "primary") -> pd.DataFrame:
    """Observed counts: groups (rows, sorted) × labels (columns, codebook order)."""
    _check_by(frame, by)
    long = label_long(frame, labels)
    tab = pd.crosstab(_text(long[by]), long["label"])
    tab = tab.reindex(columns=label_order(tab.columns), fill_value=0).sort_index()
    tab.index.name, tab.columns.name = by, "label"
    return tab


# ------------------------------------------------------------------------------
# chi-square test of independence
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChiSquareResult:
    """A chi-square test of independence of function × group, with its cell statistics."""

    grouping: str
    observed: pd.DataFrame
    expected: pd.DataFrame
    residuals: pd.DataFrame           # Pearson residuals (O - E) / sqrt(E)
    adjusted_residuals: pd.DataFrame  # standardized (adjusted) residuals, ~N(0, 1) under independence
    chi2: float
    dof: int
    p_value: float
    cramers_v: float
    n: int
    min_expected: float
    share_expected_below_5: float
    p_value_exact: float = float("nan")
    exact_method: str = ""
    n_permutations: int = 0
    labels: str = "primary"
    warning: str = ""
    dropped: tuple[str, ...] = field(default_factory=tuple)
    p_value_cluster: float = float("nan")
    cluster_method: str = ""

    @property
    def tested(self) -> bool:
        """Whether there was a test (at least two groups and two labels with counts)."""
        return not math.isnan(self.chi2)

    @property
    def small_expected(self) -> bool:
        """Cochran's rule fails: an expected count below 1, or more than 20 % below 5."""
        return self.min_expected < 1 or self.share_expected_below_5 > 0.2

    def summary(self) -> dict:
        return {"grouping": self.grouping, "labels": self.labels, "n": self.n,
                "n_groups": self.observed.shape[0], "n_labels": self.observed.shape[1],
                "chi2": self.chi2, "dof": self.dof if self.tested else None, "p_value": self.p_value,
                "cramers_v": self.cramers_v,
                "min_expected": self.min_expected, "share_expected_below_5": self.share_expected_below_5,
                "small_expected": self.small_expected if self.tested else None, "p_value_exact": self.p_value_exact,
                "exact_method": self.exact_method, "n_permutations": self.n_permutations,
                "dropped": "; ".join(self.dropped), "warning": self.warning,
                "p_value_cluster": self.p_value_cluster, "cluster_method": self.cluster_method}

    def cells(self) -> pd.DataFrame:
        """One row per (group, label): observed, expected, Pearson and adjusted residuals."""
        rows = []
        for g in self.observed.index:
            for lab in self.observed.columns:
                rows.append({"grouping": self.grouping, "group": g, "label": lab,
                             "observed": int(self.observed.loc[g, lab]), "expected": self.expected.loc[g, lab],
                             "residual": self.residuals.loc[g, lab],
                             "adjusted_residual": self.adjusted_residuals.loc[g, lab], "labels": self.labels})
        return pd.DataFrame(rows, columns=["grouping", "group", "label", "observed", "expected", "residual",
                                           "adjusted_residual", "labels"])


def _chi2_stat(obs: np.ndarray) -> float:
    n = obs.sum()
    exp = np.outer(obs.sum(1), obs.sum(0)) / n
    return float(((obs - exp) ** 2 / exp).sum())


def _draw_rows(row_totals, col_totals, size: int, rng: np.random.Generator):
    """Yield ``(i, counts of row i)`` for ``size`` random tables with the given margins.

    Each table is the crosstab of a random permutation of the column labels
    against the row labels, drawn cell by cell from hypergeometric distributions
    vectorised over the tables: the cost grows with rows × columns × tables,
    not with the number of observations, and memory with columns × tables.
    """
    rt, ct = np.asarray(row_totals, np.int64), np.asarray(col_totals, np.int64)
    r, c = len(rt), len(ct)
    rem = np.tile(ct, (size, 1))
    for i in range(r - 1):
        row = np.zeros((size, c), np.int64)
        left = np.full(size, rt[i], np.int64)
        pool = rem.sum(axis=1)
        for j in range(c - 1):
            nbad = pool - rem[:, j]
            m = left > 0
            if m.any():
                row[m, j] = rng.hypergeometric(rem[m, j], nbad[m], left[m])
            left -= row[:, j]
            pool = nbad
        row[:, c - 1] = left
        rem -= row
        yield i, row
    yield r - 1, rem


def random_tables(row_totals, col_totals, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` random tables with the given margins (permutation law), shape (size, rows, columns)."""
    out = np.zeros((size, len(row_totals), len(col_totals)), np.int64)
    for i, row in _draw_rows(row_totals, col_totals, size, rng):
        out[:, i] = row
    return out


def permutation_p_value(observed: np.ndarray, n_permutations: int = 10000, seed: int = 0) -> float:
    """Monte-Carlo p-value of the chi-square statistic with both margins fixed.

    The replicates are the tables of random permutations of the labels against
    the groups (both margins fixed, as R's ``chisq.test(simulate.p.value=TRUE)``);
    p = (1 + #{X²* >= X²}) / (B + 1).  Rows or columns that are all zero must be
    dropped first (``chi_square_from_table`` does).
    """
    obs = np.asarray(observed, dtype=np.int64)
    rt, ct = obs.sum(axis=1), obs.sum(axis=0)
    if (rt == 0).any() or (ct == 0).any():
        raise ConfigError("observed", "a table without all-zero rows or columns", "an empty row or column",
                          "drop them first (chi_square_from_table does)")
    exp = np.outer(rt, ct) / obs.sum()
    stat = float(((obs - exp) ** 2 / exp).sum())
    rng = np.random.default_rng(seed)
    hits, done, batch = 0, 0, max(1, min(n_permutations, 20_000_000 // (8 * obs.shape[1])))
    while done < n_permutations:
        b = min(batch, n_permutations - done)
        sims = np.zeros(b)
        for i, row in _draw_rows(rt, ct, b, rng):
            sims += (((row - exp[i]) ** 2) / exp[i]).sum(axis=1)
        hits += int((sims >= stat - 1e-9 * max(1.0, stat)).sum())
        done += b
    return (1 + hits) / (n_permutations + 1)


def chi_square_from_table(observed: pd.DataFrame, *, grouping: str = "", labels: str = "primary",
                          exact: str = "auto", n_permutations: int = 10000, seed: int = 0) -> ChiSquareResult:
    """Chi-square test of independence on a groups × labels table of counts.

    Rows and columns that are all zero are dropped (their expected counts would
    be 0) and listed in ``dropped``.  When expected counts are small (Cochran's
    rule) or ``exact="always"``, an exact alternative is added: Fisher's exact
    test for a 2 × 2 table, otherwise a Monte-Carlo permutation p-value.
    """
    from scipy import stats as ss

    if exact not in ("auto", "always", "never"):
        raise ConfigError("exact", "auto, always or never", repr(exact), "pass exact='auto'")
    obs_df = observed.astype(np.int64)
    dropped = [f"{obs_df.index.name or 'group'}={g}" for g in obs_df.index[obs_df.sum(axis=1) == 0]]
    dropped += [f"label={c}" for c in obs_df.columns[obs_df.sum(axis=0) == 0]]
    obs_df = obs_df.loc[obs_df.sum(axis=1) > 0, obs_df.sum(axis=0) > 0]
    r, c = obs_df.shape
    nan_df = obs_df.astype(float) * np.nan
    if r < 2 or c < 2:
        msg = (f"{grouping or 'table'}: a chi-square test needs at least 2 groups and 2 labels with counts; "
               f"found {r} × {c}; compare a grouping with more than one group")
        return ChiSquareResult(grouping, obs_df, nan_df, nan_df, nan_df, np.nan, 0, np.nan, np.nan,
                               int(obs_df.to_numpy().sum()), np.nan, np.nan, labels=labels, warning=msg,
                               dropped=tuple(dropped))
    obs = obs_df.to_numpy()
    n = int(obs.sum())
    chi2, p, dof, exp = ss.chi2_contingency(obs, correction=False)
    row_p, col_p = obs.sum(1) / n, obs.sum(0) / n
    resid = (obs - exp) / np.sqrt(exp)
    adj = (obs - exp) / np.sqrt(exp * np.outer(1 - row_p, 1 - col_p))
    v = float(np.sqrt(chi2 / (n * (min(r, c) - 1))))
    min_exp, share_lt5 = float(exp.min()), float((exp < MIN_EXPECTED).mean())
    small = min_exp < 1 or share_lt5 > 0.2
    notes = []
    p_exact, method, n_perm = np.nan, "", 0
    if exact == "always" or (exact == "auto" and small):
        if (r, c) == (2, 2):
            p_exact, method = float(ss.fisher_exact(obs)[1]), "fisher"
        else:
            p_exact = permutation_p_value(obs, n_permutations, seed)
            method, n_perm = f"monte_carlo (seed={seed})", n_permutations
    if small:
        notes.append(f"{grouping or 'table'}: expected counts of at least 5 in 80 % of cells and at least 1 "
                     f"in all (Cochran); found {share_lt5:.0%} of cells below 5 and a minimum of {min_exp:.2f}; "
                     + ("read p_value_exact instead of p_value" if method else "pass exact='auto' for an exact p-value"))
    if labels == "any":
        notes.append("labels='any' counts an item once per label, so observations are not independent "
                     "and the p-value is approximate")
    return ChiSquareResult(grouping, obs_df,
                           pd.DataFrame(exp, index=obs_df.index, columns=obs_df.columns),
                           pd.DataFrame(resid, index=obs_df.index, columns=obs_df.columns),
                           pd.DataFrame(adj, index=obs_df.index, columns=obs_df.columns),
                           float(chi2), int(dof), float(p), v, n, min_exp, share_lt5, p_exact, method, n_perm,
                           labels, " | ".join(notes), tuple(dropped))


def chi_square_test(frame: pd.DataFrame, by: str, *, labels: str = "primary", exact: str = "auto",
                    n_permutations: int = 10000, seed: int = 0, drop_unknown: bool = True,
                    warn: bool = True, cluster_permutations: int = 2000) -> ChiSquareResult:
    """Chi-square test of independence of function × ``by`` on the analysis frame.

    Items whose group is ``unknown`` are left out of the test (``drop_unknown``),
    as a group of "no metadata" is not a group one can interpret.  Besides the
    item-level p-values, ``p_value_cluster`` permutes the groups among whole
    articles (``cluster_permutation_p``; 0 permutations: not computed).
    """
    tab = crosstab(frame, by, labels)
    unknown = drop_unknown and UNKNOWN in tab.index
    if unknown:
        tab = tab.drop(index=UNKNOWN)
    res = chi_square_from_table(tab, grouping=by, labels=labels, exact=exact,
                                n_permutations=n_permutations, seed=seed)
    if unknown:
        res = dataclasses.replace(res, dropped=(f"{by}={UNKNOWN}",) + res.dropped)
    if cluster_permutations and res.observed.shape[0] > 1 and res.observed.shape[1] > 1:
        p, how = cluster_permutation_p(frame, by, res, labels=labels, n_permutations=cluster_permutations,
                                       seed=seed)
        res = dataclasses.replace(res, p_value_cluster=p, cluster_method=how)
    if warn and res.warning:
        warnings.warn(res.warning, stacklevel=2)
    return res


def cluster_permutation_p(frame: pd.DataFrame, by: str, res: ChiSquareResult, *, labels: str = "primary",
                          n_permutations: int = 2000, seed: int = 0) -> tuple[float, str]:
    """The chi-square statistic's p-value when the groups are shuffled among whole
    articles, each article's items kept together.

    Items of one report are not independent: they share an author, a unit and a
    template, so the item-level p-values (``p_value``, ``p_value_exact``) treat a
    group of two or three reports as hundreds of independent draws and come out
    far too small.  Here the unit of the permutation is the article (the unit
    the metadata is found for): under the null hypothesis the group an article
    belongs to does not matter, so every reassignment of the groups to the
    articles is as likely.  Returns (p, how); p is NaN when a grouping is the
    article itself (nothing to permute) or an article's items are in several
    groups.  ``(1 + k) / (1 + B)``, seeded.
    """
    if by == "article_id":
        return float("nan"), "none: the groups are the articles"
    long = label_long(frame, labels)
    long = long.assign(_g=_text(long[by]))
    long = long[long["_g"].isin(res.observed.index) & long["label"].isin(res.observed.columns)]
    per = long.groupby("article_id")["_g"].nunique()
    if (per > 1).any():
        return float("nan"), "none: some articles have items in several groups"
    groups = list(res.observed.index)
    cols = list(res.observed.columns)
    counts = (long.groupby(["article_id", "label"])["item_id"].nunique().unstack(fill_value=0)
              .reindex(columns=cols, fill_value=0))
    art_group = long.drop_duplicates("article_id").set_index("article_id")["_g"].reindex(counts.index)
    g_index = art_group.map({g: i for i, g in enumerate(groups)}).to_numpy()
    x = counts.to_numpy(float)
    if len(x) < 3:
        return float("nan"), "none: fewer than three articles"
    observed = _chi2_stat(res.observed.to_numpy(float))
    rng = np.random.default_rng(seed)
    col_sums = x.sum(0)
    n = x.sum()
    hits, n_g, done = 0, len(groups), 0
    while done < n_permutations:  # in batches: one bincount per label for the whole batch
        b = min(256, n_permutations - done)
        perms = rng.permuted(np.broadcast_to(g_index, (b, len(g_index))), axis=1)
        flat = (perms + (np.arange(b) * n_g)[:, None]).ravel()
        tables = np.stack([np.bincount(flat, weights=np.tile(x[:, j], b), minlength=b * n_g)
                           for j in range(len(cols))], axis=1).reshape(b, n_g, len(cols))
        exp = tables.sum(2)[:, :, None] * col_sums[None, None, :] / n
        with np.errstate(invalid="ignore", divide="ignore"):
            stats_ = np.nansum((tables - exp) ** 2 / exp, axis=(1, 2))
        hits += int((stats_ >= observed - 1e-9).sum())
        done += b
    p = (1 + hits) / (1 + n_permutations)
    return float(p), (f"groups permuted among {len(x)} articles, items kept together "
                      f"(B={n_permutations}, seed={seed})")


# ------------------------------------------------------------------------------
# two groups
# ------------------------------------------------------------------------------
def _group_counts(frame: pd.DataFrame, by: str, labels: str) -> tuple[pd.DataFrame, pd.Series]:
    """Label counts per group (crosstab) and counted items per group."""
    tab = crosstab(frame, by, labels)
    base = frame[_text(frame["primary_label"]) != ""]
    n = base.groupby(_text(base[by]))["item_id"].nunique()
    return tab, n


def _pair_rows(by: str, a: str, b: str, tab: pd.DataFrame, n: pd.Series, labels: str,
               alpha: float) -> pd.DataFrame:
    from scipy.stats import fisher_exact
    from statsmodels.stats.proportion import confint_proportions_2indep

    n_a, n_b = int(n.get(a, 0)), int(n.get(b, 0))
    rows = []
    for lab in tab.columns:
        ca = int(tab.at[a, lab]) if a in tab.index else 0
        cb = int(tab.at[b, lab]) if b in tab.index else 0
        lo, hi = confint_proportions_2indep(ca, n_a, cb, n_b, method="newcomb", compare="diff", alpha=alpha)
        p = fisher_exact([[ca, n_a - ca], [cb, n_b - cb]])[1]
        rows.append({"grouping": by, "group_a": a, "group_b": b, "label": lab, "count_a": ca, "n_a": n_a,
                     "share_a": ca / n_a, "count_b": cb, "n_b": n_b, "share_b": cb / n_b,
                     "diff": ca / n_a - cb / n_b, "diff_ci_low": float(lo), "diff_ci_high": float(hi),
                     "p_value": float(p), "labels": labels})
    return pd.DataFrame(rows)


def compare_two_groups(frame: pd.DataFrame, by: str, a: str, b: str, *, labels: str = "primary",
                       alpha: float = 0.05) -> pd.DataFrame:
    """Label by label, is the share in group ``a`` different from group ``b``?

    Difference of shares with a Newcombe (hybrid score) interval, Fisher's exact
    two-sided p-value on the 2 × 2 table (label vs not, a vs b), and Holm-adjusted
    p-values over the labels.
    """
    from statsmodels.stats.multitest import multipletests

    _check_by(frame, by)
    if a == b:
        raise ConfigError("groups", "two different groups", f"{a!r} twice", "name two groups of the grouping")
    tab, n = _group_counts(frame, by, labels)
    for g in (a, b):
        if g not in n.index:
            raise ConfigError(f"group {g!r}", f"a value of {by} ({', '.join(sorted(n.index)[:10])}…)",
                              "no such group", "check the spelling against the shares table")
    out = _pair_rows(by, a, b, tab, n, labels, alpha)
    out["p_holm"] = multipletests(out["p_value"], method="holm")[1]
    return out


PAIR_COLUMNS = ["grouping", "group_a", "group_b", "label", "count_a", "n_a", "share_a", "count_b", "n_b",
                "share_b", "diff", "diff_ci_low", "diff_ci_high", "p_value", "labels", "p_holm"]


def compare_all_pairs(frame: pd.DataFrame, by: str, *, labels: str = "primary",
                      alpha: float = 0.05, max_groups: int = 30) -> pd.DataFrame:
    """``compare_two_groups`` for every pair of known groups; Holm adjustment over all rows.

    Groupings with more than ``max_groups`` groups give an empty table (too many pairs to read).
    """
    from statsmodels.stats.multitest import multipletests

    _check_by(frame, by)
    tab, n = _group_counts(frame, by, labels)
    groups = sorted(g for g in n.index if g != UNKNOWN)
    if len(groups) < 2 or len(groups) > max_groups:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    out = pd.concat([_pair_rows(by, a, b, tab, n, labels, alpha) for a, b in itertools.combinations(groups, 2)],
                    ignore_index=True)
    out["p_holm"] = multipletests(out["p_value"], method="holm")[1]
    return out[PAIR_COLUMNS]


# ------------------------------------------------------------------------------
# drill-down
# ------------------------------------------------------------------------------
def items_behind(frame: pd.DataFrame, by: str, group: str, label: str | None = None, *,
                 labels: str = "primary") -> pd.DataFrame:
    """The items counted in one cell of a share or chi-square table (``group`` × ``label``)."""
    _check_by(frame, by)
    long = label_long(frame, labels)
    hit = long if group == ALL else long[_text(long[by]) == str(group)]
    if label is not None:
        hit = hit[hit["label"] == label]
    ids = list(dict.fromkeys(hit["item_id"]))
    return frame.set_index("item_id").loc[ids].reset_index()
