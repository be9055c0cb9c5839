"""Keyness and topic tables: the words that set one function or group apart.

Two keyness measures, computed for a target set of items against the rest:

* **log-odds ratio with an informative Dirichlet prior** (Monroe, Colaresi &
  Quinn 2008, "Fightin' Words", section 3.5): the prior pseudo-count of word
  *w* is ``α_w = prior_size · y_w / N``, its share of the whole corpus scaled to
  ``prior_size`` tokens, so frequent words need more evidence to stand out;
  ``δ_w`` is the difference of the smoothed log-odds of *w* in target and
  reference, ``σ²(δ_w) ≈ 1/(y_tw + α_w) + 1/(n_t + α_0 - y_tw - α_w) + (same for
  the reference)``, and ``z = δ_w / σ``;
* **chi-square keyness** as quanteda's ``textstat_keyness(measure = "chi2")``
  reports it: the 2 × 2 table (word vs other words, target vs reference) with
  Yates' continuity correction (as R's ``chisq.test(correct = TRUE)``), signed
  positive when the word is more frequent in the target than expected.

Tokens are jieba words from an explicitly built ``jieba.Tokenizer`` (with the
union terms of ``resources/userdict.txt``), minus the stop words of
``resources/stopwords.txt`` (function words and the boilerplate of these
reports: 工作, 加强, 开展, 进一步 …), minus single characters and tokens with no
Chinese character or letter.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from .errors import ConfigError

RESOURCES = Path(__file__).resolve().parent / "resources"
STOPWORDS_PATH = RESOURCES / "stopwords.txt"
#: tokens shorter than this are dropped (single characters are mostly function words)
MIN_CHARS = 2
#: default prior size (pseudo-tokens) of the informative Dirichlet prior
PRIOR_SIZE = 500.0
_WORDLIKE = re.compile(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z]")

KEYNESS_COLUMNS = ["grouping", "group", "rank", "term", "n_target", "n_reference", "log_odds", "z", "chi2", "p"]


# ------------------------------------------------------------------------------
# tokens
# ------------------------------------------------------------------------------
def build_tokenizer(userdict: str | Path | None = None):
    """A fresh ``jieba.Tokenizer`` (never jieba's global one) with the union terms added."""
    from .dictionary import USERDICT_PATH, read_userdict_terms
    from .rules import new_jieba_tokenizer

    tk = new_jieba_tokenizer()  # the shipped dictionary, read once per process
    path = Path(userdict) if userdict is not None else USERDICT_PATH
    if path.exists():
        for word, freq, tag in read_userdict_terms(path):
            tk.add_word(word, freq, tag)
    elif userdict is not None:
        raise ConfigError(str(path), "a jieba user dictionary (word [freq] [tag] per line)", "no such file",
                          "check the path of the user dictionary")
    return tk


def load_stopwords(path: str | Path | None = None) -> frozenset[str]:
    """Stop words from an editable text file (words separated by blanks; ``#`` starts a comment)."""
    p = Path(path) if path is not None else STOPWORDS_PATH
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(str(p), "a stop-word file (words separated by spaces or new lines)", "no such file",
                          "check the path, or pass None for the shipped list") from None
    words = set()
    for line in text.splitlines():
        words.update(line.split("#", 1)[0].split())
    return frozenset(words)


def tokenize(texts: Iterable[str], tokenizer, stopwords: frozenset[str] | set[str] = frozenset(),
             min_chars: int = MIN_CHARS) -> list[list[str]]:
    """jieba words of each text, without stop words, short tokens and non-words."""
    out = []
    for text in texts:
        words = []
        for w in tokenizer.lcut(str(text)):
            w = w.strip()
            if len(w) >= min_chars and w not in stopwords and _WORDLIKE.search(w):
                words.append(w)
        out.append(words)
    return out


def term_counts(tokens: Sequence[Sequence[str]]) -> Counter:
    c: Counter = Counter()
    for t in tokens:
        c.update(t)
    return c


# ------------------------------------------------------------------------------
# the two measures, on aligned count vectors
# ------------------------------------------------------------------------------
def _aligned(target: pd.Series | dict, reference: pd.Series | dict) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    t, r = pd.Series(target, dtype=float), pd.Series(reference, dtype=float)
    terms = t.index.union(r.index)
    return terms, t.reindex(terms, fill_value=0).to_numpy(), r.reindex(terms, fill_value=0).to_numpy()


def _log_odds_arrays(y_t: np.ndarray, y_r: np.ndarray, bg: np.ndarray,
                     prior_size: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """δ, σ² and z of every word, on aligned count arrays."""
    if bg.sum() <= 0 or prior_size <= 0:
        raise ConfigError("prior", "positive background counts and prior_size", f"sum {bg.sum()}, size {prior_size}",
                          "pass counts that include the compared words")
    alpha = prior_size * bg / bg.sum()
    a0 = alpha.sum()
    n_t, n_r = y_t.sum(), y_r.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        lt = np.log(y_t + alpha) - np.log(n_t + a0 - y_t - alpha)
        lr = np.log(y_r + alpha) - np.log(n_r + a0 - y_r - alpha)
        var = 1 / (y_t + alpha) + 1 / (n_t + a0 - y_t - alpha) + 1 / (y_r + alpha) + 1 / (n_r + a0 - y_r - alpha)
        delta = lt - lr
        z = delta / np.sqrt(var)
    return delta, var, z


def _chi2_arrays(a: np.ndarray, b: np.ndarray, correction: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Signed chi-square and p of every word's 2 × 2 table, on aligned count arrays."""
    from scipy.stats import chi2 as chi2_dist

    c, d = a.sum() - a, b.sum() - b
    n = a + b + c + d
    diff = np.abs(a * d - b * c)
    if correction:  # Yates as chisq.test(correct = TRUE): move |O - E| = |ad - bc| / N towards 0 by at most 0.5
        diff = np.maximum(diff - n / 2, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = n * diff ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
        expected = (a + b) * (a + c) / n
    stat = np.nan_to_num(stat)
    return np.sign(a - expected) * stat, chi2_dist.sf(stat, 1)


def log_odds_dirichlet(target, reference, *, prior: pd.Series | dict | None = None,
                       prior_size: float = PRIOR_SIZE) -> pd.DataFrame:
    """Monroe et al.'s log-odds ratio with an informative Dirichlet prior, and its z-score.

    ``prior`` gives the background counts the prior is proportional to (default:
    target + reference); it is scaled to ``prior_size`` pseudo-tokens.
    """
    terms, y_t, y_r = _aligned(target, reference)
    bg = y_t + y_r if prior is None else pd.Series(prior, dtype=float).reindex(terms, fill_value=0).to_numpy()
    delta, var, z = _log_odds_arrays(y_t, y_r, bg, prior_size)
    return pd.DataFrame({"term": terms, "n_target": y_t.astype(int), "n_reference": y_r.astype(int),
                         "log_odds": delta, "variance": var, "z": z})


def chi2_keyness(target, reference, *, correction: bool = True) -> pd.DataFrame:
    """Signed chi-square of each word's 2 × 2 table, as quanteda's ``textstat_keyness`` reports it."""
    terms, a, b = _aligned(target, reference)
    chi2, p = _chi2_arrays(a, b, correction)
    return pd.DataFrame({"term": terms, "n_target": a.astype(int), "n_reference": b.astype(int),
                         "chi2": chi2, "p": p})


def compare_counts(target, reference, *, prior=None, prior_size: float = PRIOR_SIZE,
                   min_count: int = 2) -> pd.DataFrame:
    """Both measures side by side for every word seen at least ``min_count`` times, sorted by z."""
    lo = log_odds_dirichlet(target, reference, prior=prior, prior_size=prior_size)
    ch = chi2_keyness(target, reference)
    out = lo.merge(ch[["term", "chi2", "p"]], on="term")
    out = out[out.n_target + out.n_reference >= min_count]
    return out.sort_values(["z", "term"], ascending=[False, True], kind="mergesort").reset_index(drop=True)


# ------------------------------------------------------------------------------
# tables over items
# ------------------------------------------------------------------------------
def keyness_table(tokens: Sequence[Sequence[str]], groups: Sequence[str], *, grouping: str = "group",
                  top_n: int = 20, min_count: int = 2, prior_size: float = PRIOR_SIZE) -> pd.DataFrame:
    """For every group in turn, its most distinctive words against all other items (z > 0, by z)."""
    groups = [str(g) for g in groups]
    if len(groups) != len(tokens):
        raise ConfigError("groups", f"one group per token list ({len(tokens)})", f"{len(groups)}",
                          "pass the groups of the same items")
    per_group: dict[str, Counter] = {}
    for g, t in zip(groups, tokens):
        per_group.setdefault(g, Counter()).update(t)
    total = sum(per_group.values(), Counter())
    parts = []
    for g in sorted(per_group):
        if len(per_group) < 2:
            break
        ref = total - per_group[g]
        tab = compare_counts(per_group[g], ref, prior=total, prior_size=prior_size, min_count=min_count)
        tab = tab[(tab.z > 0) & (tab.n_target > 0)].head(top_n)
        parts.append(tab.assign(grouping=grouping, group=g, rank=np.arange(1, len(tab) + 1)))
    if not parts:
        return pd.DataFrame(columns=KEYNESS_COLUMNS)
    return pd.concat(parts, ignore_index=True)[KEYNESS_COLUMNS]


def _identity(x):
    return x


def _shorten(text: str, n: int = 120) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


TOPIC_COLUMNS = ["label", "grouping", "group", "method", "rank", "term", "score", "freq", "n_items", "n_reference",
                 "z", "chi2", "p", "example_item_id", "example_text"]


def topic_table(frame: pd.DataFrame, tokens: Sequence[Sequence[str]], *, by: str | None = None,
                label_col: str = "label", top_n: int = 15, min_count: int = 2,
                prior_size: float = PRIOR_SIZE) -> pd.DataFrame:
    """Top terms of each function (or each function × group), by keyness and by TF-IDF.

    Without ``by`` the items of one function are compared with the items of the
    other functions; with ``by`` the items of one function in one group are
    compared with the items of the same function in the other groups.  ``score``
    is the z-score (method ``keyness``) or the mean TF-IDF weight over the
    cell's items (method ``tfidf``); each term comes with its frequency in the
    cell, the number of cell items that contain it, and the cell item where it
    weighs most (``example_item_id``, ``example_text``).
    """
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    if len(frame) != len(tokens):
        raise ConfigError("tokens", f"one token list per item ({len(frame)})", str(len(tokens)),
                          "tokenize the same items you pass")
    if len(frame) == 0 or not any(tokens):
        return pd.DataFrame(columns=TOPIC_COLUMNS)
    vec = CountVectorizer(analyzer=_identity, lowercase=False)
    counts = vec.fit_transform(tokens).tocsr()
    vocab = np.asarray(vec.get_feature_names_out())
    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts).tocsr()
    labels = frame[label_col].astype(str).to_numpy()
    cells = (frame[by].astype(str).to_numpy() if by else np.full(len(frame), "(all)"))
    ids = frame["item_id"].astype(str).to_numpy()
    texts = frame["text"].astype(str).to_numpy() if "text" in frame.columns else np.full(len(frame), "")
    parts = []
    for lab in sorted(set(labels)):
        in_lab = labels == lab
        scope = in_lab if by else np.ones(len(frame), bool)
        for g in sorted(set(cells[in_lab])):
            target = in_lab & (cells == g)
            reference = scope & ~target
            if not reference.any():
                continue
            y_t = np.asarray(counts[target].sum(axis=0)).ravel()
            y_r = np.asarray(counts[reference].sum(axis=0)).ravel()
            bg = np.asarray(counts[scope].sum(axis=0)).ravel()
            used = (y_t > 0)
            if not used.any():
                continue
            keep = used & (y_t + y_r >= min_count)
            _, _, z = _log_odds_arrays(y_t.astype(float), y_r.astype(float), bg.astype(float), prior_size)
            chi2, pval = _chi2_arrays(y_t.astype(float), y_r.astype(float))
            sub_tfidf = tfidf[target]
            mean_w = np.asarray(sub_tfidf.mean(axis=0)).ravel()
            n_items = np.asarray((counts[target] > 0).sum(axis=0)).ravel()
            rows_t = np.flatnonzero(target)
            best_row = np.asarray(sub_tfidf.argmax(axis=0)).ravel()
            for method, score, mask in (("keyness", z, keep),
                                        ("tfidf", mean_w, keep)):
                order = [k for k in np.lexsort((vocab, -score)) if mask[k] and (method != "keyness" or score[k] > 0)]
                for rank, k in enumerate(order[:top_n], start=1):
                    term = vocab[k]
                    ex = rows_t[best_row[k]]
                    parts.append({"label": lab, "grouping": by or "", "group": g if by else "", "method": method,
                                  "rank": rank, "term": term, "score": float(score[k]), "freq": int(y_t[k]),
                                  "n_items": int(n_items[k]), "n_reference": int(y_r[k]),
                                  "z": float(z[k]), "chi2": float(chi2[k]),
                                  "p": float(pval[k]), "example_item_id": ids[ex],
                                  "example_text": _shorten(texts[ex])})
    return pd.DataFrame(parts, columns=TOPIC_COLUMNS)


NMF_COLUMNS = ["label", "topic", "rank", "term", "weight", "n_items", "example_item_id", "example_text"]


def nmf_topics(frame: pd.DataFrame, tokens: Sequence[Sequence[str]], n_topics: int, *, label_col: str = "label",
               top_n: int = 10, seed: int = 0) -> pd.DataFrame:
    """NMF topics inside each function (TF-IDF, ``init="nndsvd"``, fixed ``seed``): top terms per topic.

    ``n_items`` is the number of the function's items whose strongest topic it
    is; functions with fewer items than ``2 × n_topics`` are skipped.
    """
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    if n_topics < 1:
        return pd.DataFrame(columns=NMF_COLUMNS)
    labels = frame[label_col].astype(str).to_numpy()
    ids = frame["item_id"].astype(str).to_numpy()
    texts = frame["text"].astype(str).to_numpy() if "text" in frame.columns else np.full(len(frame), "")
    rows = []
    for lab in sorted(set(labels)):
        idx = np.flatnonzero(labels == lab)
        docs = [tokens[i] for i in idx]
        if len(idx) < 2 * n_topics or sum(map(len, docs)) == 0:
            continue
        vec = TfidfVectorizer(analyzer=_identity, lowercase=False, sublinear_tf=True, min_df=1)
        x = vec.fit_transform(docs)
        k = min(n_topics, x.shape[1])
        model = NMF(n_components=k, init="nndsvd", random_state=seed, max_iter=500)
        with np.errstate(invalid="ignore"):  # sklearn's loss takes sqrt of a rounding-negative 0 on exact fits
            w = model.fit_transform(x)
        vocab = np.asarray(vec.get_feature_names_out())
        strongest = w.argmax(axis=1)
        for t in range(k):
            comp = model.components_[t]
            order = np.lexsort((vocab, -comp))[:top_n]
            ex = idx[int(w[:, t].argmax())]
            for rank, j in enumerate(order, start=1):
                if comp[j] <= 0:
                    break
                rows.append({"label": lab, "topic": t + 1, "rank": rank, "term": vocab[j],
                             "weight": float(comp[j]), "n_items": int((strongest == t).sum()),
                             "example_item_id": ids[ex], "example_text": _shorten(texts[ex])})
    return pd.DataFrame(rows, columns=NMF_COLUMNS)
