"""Classification: tag each item with its union function (codebook version 1).

Two classifiers share one interface, ``predict(texts, parent_texts) -> list[ItemLabel]``:

* ``DictionaryModel``: the codebook-cue lookup of ``pipeline.dictionary``, the
  transparent baseline;
* ``Classifier``: one scikit-learn ``Pipeline``: jieba word uni/bigrams (union
  user dictionary, an explicitly built ``jieba.Tokenizer``), character 1–3-grams,
  the parent heading's words, and the five dictionary scores, all TF-IDF /
  scaled and stacked, then a linear SVM whose scores are calibrated to
  probabilities (``CalibratedClassifierCV``, sigmoid).  Deterministic: no
  shuffling, fixed seeds, training rows sorted by item id.  Persisted with joblib
  together with the codebook version and a hash of the training data.

``load_or_train(config)`` is what ``unionmine run`` calls once per worker.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer

from .config import Config
from .dictionary import CUES_PATH, USERDICT_PATH, DictionaryClassifier, normalize_text, read_userdict_terms
from .errors import ConfigError, InputFileError
from .io import default_cache_dir  # noqa: F401 - where trained models live (re-exported)
from .model import CODEBOOK_VERSION, LABELS, Item, ItemLabel

#: the labels file shipped with the package's repository
SHIPPED_LABELS = Path(__file__).resolve().parents[1] / "data" / "labels" / "items_v1.csv"
#: bump when features or estimator change, so cached models are retrained
MODEL_FORMAT = "unionmine-classifier/2"
N_TOP_TERMS = 5
#: jieba's HMM guesses new words; off, tokens depend only on the dictionaries (measured: see docs)
HMM = False
MEMO_MAX_CHARS = 80
_CLAUSE_SPLIT = re.compile(r"[。；;！!？?]")
MIN_CLAUSE_CHARS = 6
_PUNCT = frozenset("，。、；：？！“”‘’（）《》〈〉【】…—·,.;:?!\"'()[]<>-_/\\|%％ \t\n")


# ------------------------------------------------------------------------------
# building blocks (picklable: heavy parts are rebuilt lazily after loading)
# ------------------------------------------------------------------------------
class JiebaHolder:
    """One ``jieba.Tokenizer`` with the union terms, shared by every tokenizer of a model.

    Built explicitly (never jieba's global default) or passed in.  It is not
    pickled: a loaded model rebuilds it on first use, once per process, from the
    terms stored here.  Copies (scikit-learn's ``clone``) share it, and so do the
    word and parent tokenizers after unpickling (pickle keeps shared references),
    so a worker holds one jieba dictionary, not one per vectorizer.
    """

    _cutter = None  # models pickled before the cutter existed load without it

    def __init__(self, terms: Sequence[tuple[str, int | None, str | None]] | None = None, tokenizer: Any = None):
        self.terms = tuple(terms) if terms is not None else read_userdict_terms(USERDICT_PATH)
        self._tokenizer = tokenizer
        self._added = tokenizer is None
        self._cutter = None

    def __getstate__(self) -> dict:
        return {"terms": self.terms, "_tokenizer": None, "_added": True, "_cutter": None}

    def __deepcopy__(self, memo) -> "JiebaHolder":
        return self  # read-only once built: sharing is safe and saves a dictionary per copy

    def get(self):
        if self._tokenizer is None:
            self._tokenizer = build_jieba(self.terms)
        elif not self._added:  # a tokenizer passed in: make sure it knows the union terms
            for word, freq, tag in self.terms:
                self._tokenizer.add_word(word, freq, tag)
            self._added = True
        return self._tokenizer

    def cutter(self):
        """``lcut(text)``: the tokenizer's HMM-off cut, done by ``wordcut.DagCutter`` (same tokens, faster)."""
        tk = self.get()
        if self._cutter is None or self._cutter.tokenizer is not tk:
            from .wordcut import DagCutter

            self._cutter = DagCutter(tk)
        return self._cutter


class WordTokenizer:
    """jieba word tokens with the union user dictionary, punctuation dropped.

    ``empty_token``: returned for a text with no words (the parent of a top-level
    item), so that the parent vectorizer always has a vocabulary.
    """

    def __init__(self, terms: Sequence[tuple[str, int | None, str | None]] | None = None, tokenizer: Any = None,
                 empty_token: str | None = None, holder: JiebaHolder | None = None):
        self.holder = holder or JiebaHolder(terms, tokenizer)
        self.empty_token = empty_token
        self._memo: dict[str, tuple[str, ...]] = {}

    def __getstate__(self) -> dict:
        return {"holder": self.holder, "empty_token": self.empty_token}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._memo = {}

    @property
    def terms(self):
        return self.holder.terms

    def with_empty_token(self, token: str) -> "WordTokenizer":
        """The same tokenizer (sharing the jieba instance) that returns ``[token]`` for an empty text."""
        return WordTokenizer(empty_token=token, holder=self.holder)

    @property
    def tokenizer(self):
        return self.holder.get()

    def __call__(self, text: str) -> list[str]:
        # short texts (parent headings) repeat for every child: remember them
        short = len(text) <= MEMO_MAX_CHARS
        if short and text in self._memo:
            return list(self._memo[text])
        # HMM off: no guessed new words, so tokens depend only on the dictionaries (and it is faster)
        drop = _PUNCT.issuperset
        cut = self.holder.cutter().lcut(text) if not HMM else self.tokenizer.lcut(text, HMM=True)
        words = [w for w in cut if not (drop(w) or w.isspace())]
        if not words and self.empty_token:
            words = [self.empty_token]
        if short:
            if len(self._memo) >= 4096:
                self._memo.clear()
            self._memo[text] = tuple(words)
        return words


class CharNgramTfidf(TfidfVectorizer):
    """``TfidfVectorizer(analyzer="char")`` that counts n-grams with numpy when it transforms.

    Fitting is scikit-learn's own.  Transforming a batch is one pass over the
    batch's code points: each n-gram (n ≤ 3) is packed into one 64-bit integer
    (21 bits per code point) and looked up in a hash index of the vocabulary, so
    no n-gram string is built.  The matrices are identical to scikit-learn's
    (``tests/test_classify.py`` compares them entry by entry); classification
    spent a fifth of its time building and counting those strings.  Anything but
    the plain character analyzer (a preprocessor, lowercasing, accents, n > 3)
    falls back to scikit-learn's counting.
    """

    _BITS = 21                     # a code point fits in 21 bits
    _SENTINEL = (1 << 21) - 1      # not a code point: marks the gaps between documents

    def _fast(self) -> bool:
        lo, hi = self.ngram_range
        return (self.analyzer == "char" and self.input == "content" and self.preprocessor is None
                and not self.lowercase and self.strip_accents is None and 1 <= lo <= hi <= 3)

    def _packed_vocabulary(self) -> dict[int, tuple[pd.Index, np.ndarray]]:
        """Per n: the vocabulary's n-grams packed into integers (an index), and their columns."""
        tables = self.__dict__.get("_packed")
        if tables is None:
            by_n: dict[int, list[tuple[int, int]]] = {}
            for term, col in self.vocabulary_.items():
                code = 0
                for ch in term:
                    code = (code << self._BITS) | ord(ch)
                by_n.setdefault(len(term), []).append((code, col))
            tables = {}
            for n, pairs in by_n.items():  # a hash index: 8 times faster than a binary search here
                tables[n] = (pd.Index(np.array([p[0] for p in pairs], dtype=np.uint64)),
                             np.array([p[1] for p in pairs], dtype=np.int64))
            self._packed = tables
        return tables

    def _count_vocab(self, raw_documents, fixed_vocab):
        docs = raw_documents if isinstance(raw_documents, list) else list(raw_documents)
        if not (fixed_vocab and docs and self._fast() and all(type(d) is str for d in docs)):
            return super()._count_vocab(docs, fixed_vocab)
        vocabulary = self.vocabulary_
        docs = [self._white_spaces.sub(" ", d) for d in docs]  # as scikit-learn's char analyzer does
        n_docs, n_cols = len(docs), len(vocabulary)
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=n_docs)
        # the documents one after another, a sentinel after each (no n-gram spans two documents)
        points = np.frombuffer("\0".join(docs).encode("utf-32-le", "surrogatepass"), dtype="<u4")
        points = np.append(points, np.uint32(0)).astype(np.uint64)
        ends = np.cumsum(lengths + 1) - 1
        points[ends] = self._SENTINEL
        row_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths + 1)
        lo, hi = self.ngram_range
        rows, cols = [], []
        for n, (keys, columns) in sorted(self._packed_vocabulary().items()):
            m = len(points) - n + 1
            if not lo <= n <= hi or m <= 0 or not len(keys):
                continue
            packed = points[:m].copy()
            for k in range(1, n):
                packed <<= np.uint64(self._BITS)
                packed |= points[k:k + m]
            pos = keys.get_indexer(packed)
            hit = pos >= 0
            rows.append(row_of[:m][hit])
            cols.append(columns[pos[hit]])
        return vocabulary, _count_matrix(rows, cols, n_docs, n_cols, self.dtype)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_packed", None)  # rebuilt from the vocabulary on first use
        return state


def _count_matrix(rows: list[np.ndarray], cols: list[np.ndarray], n_docs: int, n_cols: int, dtype) -> sp.csr_array:
    """The document-term count matrix of (row, column) hits, as scikit-learn builds it
    (canonical CSR: sorted columns, no duplicates)."""
    flat = np.concatenate(rows) * n_cols + np.concatenate(cols) if rows else np.zeros(0, dtype=np.int64)
    cells, counts = np.unique(flat, return_counts=True)  # sorted by row, then column
    index_dtype = np.int32 if max(len(cells), n_cols) < np.iinfo(np.int32).max else np.int64
    indptr = np.zeros(n_docs + 1, dtype=index_dtype)
    np.cumsum(np.bincount(cells // n_cols, minlength=n_docs), out=indptr[1:])
    return sp.csr_array((counts.astype(dtype), (cells % n_cols).astype(index_dtype), indptr),
                        shape=(n_docs, n_cols), dtype=dtype)


class WordNgramTfidf(TfidfVectorizer):
    """``TfidfVectorizer(tokenizer=WordTokenizer(...))`` of word uni- and bigrams whose transform
    counts with numpy.

    Fitting is scikit-learn's own.  Transforming maps each token to a number (one
    dictionary lookup) and finds unigrams and packed bigrams in hash indexes of the
    vocabulary, instead of building and looking up a string per n-gram.  The
    matrices are identical to scikit-learn's (tested): a ``WordTokenizer``'s tokens
    never hold a space (jieba splits at white space), so the vocabulary's
    ``"a b"`` is exactly the bigram (a, b).  Other tokenizers and settings fall
    back to scikit-learn's counting.
    """

    def _fast(self) -> bool:
        lo, hi = self.ngram_range
        return (isinstance(self.tokenizer, WordTokenizer) and self.analyzer == "word" and self.input == "content"
                and self.preprocessor is None and not self.lowercase and self.strip_accents is None
                and self.stop_words is None and 1 <= lo <= hi <= 2)

    def _tables(self):
        """token -> number; each number's unigram column (-1: none); bigram index and columns."""
        tables = self.__dict__.get("_word_tables")
        if tables is None:
            ids: dict[str, int] = {}
            unigrams: dict[int, int] = {}
            bigrams: list[tuple[int, int]] = []
            for term, col in self.vocabulary_.items():
                parts = term.split(" ")
                if len(parts) > 2 or "" in parts:
                    tables = False  # not a vocabulary this tokenizer makes: scikit-learn counts
                    break
                nums = [ids.setdefault(p, len(ids)) for p in parts]
                if len(nums) == 1:
                    unigrams[nums[0]] = col
                else:
                    bigrams.append(((nums[0] << 32) | nums[1], col))
            else:
                uni = np.full(len(ids) + 1, -1, dtype=np.int64)  # the last: tokens outside the vocabulary
                for num, col in unigrams.items():
                    uni[num] = col
                tables = (ids, uni, pd.Index(np.array([b[0] for b in bigrams], dtype=np.uint64)),
                          np.array([b[1] for b in bigrams], dtype=np.int64))
            self._word_tables = tables
        return tables

    def _count_vocab(self, raw_documents, fixed_vocab):
        docs = raw_documents if isinstance(raw_documents, list) else list(raw_documents)
        tables = self._tables() if fixed_vocab and docs and self._fast() else False
        if tables is False or not all(type(d) is str for d in docs):
            return super()._count_vocab(docs, fixed_vocab)
        ids, uni, bigram_index, bigram_cols = tables
        outside = len(uni) - 1
        get, tokenize = ids.get, self.tokenizer
        numbers: list[int] = []
        lengths = np.zeros(len(docs), dtype=np.int64)
        for i, doc in enumerate(docs):
            tokens = tokenize(doc)
            numbers.extend([get(w, outside) for w in tokens])
            numbers.append(outside)  # between documents: no bigram spans two
            lengths[i] = len(tokens)
        nums = np.array(numbers, dtype=np.int64)
        row_of = np.repeat(np.arange(len(docs), dtype=np.int64), lengths + 1)
        lo, hi = self.ngram_range
        rows, cols = [], []
        if lo <= 1:
            col = uni[nums]
            hit = col >= 0
            rows.append(row_of[hit])
            cols.append(col[hit])
        if hi >= 2 and len(nums) > 1 and len(bigram_cols):
            a, b = nums[:-1], nums[1:]
            pos = bigram_index.get_indexer(((a << 32) | b).astype(np.uint64))
            hit = (pos >= 0) & (a != outside) & (b != outside)
            rows.append(row_of[:-1][hit])
            cols.append(bigram_cols[pos[hit]])
        return self.vocabulary_, _count_matrix(rows, cols, len(docs), len(self.vocabulary_), self.dtype)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_word_tables", None)  # rebuilt from the vocabulary on first use
        return state


def build_jieba(terms: Iterable[tuple[str, int | None, str | None]] | None = None):
    """A fresh ``jieba.Tokenizer`` with the union terms added (jieba's dictionary is
    read once per process: ``rules.new_jieba_tokenizer``)."""
    from .rules import new_jieba_tokenizer

    tk = new_jieba_tokenizer()
    for word, freq, tag in (terms if terms is not None else read_userdict_terms(USERDICT_PATH)):
        tk.add_word(word, freq, tag)
    return tk


class DictionaryFeatures(BaseEstimator, TransformerMixin):
    """The dictionary's five label scores, ``log1p``-scaled, as model features."""

    def __init__(self, dictionary: DictionaryClassifier | None = None):
        self.dictionary = dictionary

    def fit(self, X, y=None):
        self.dictionary_ = self.dictionary or DictionaryClassifier()
        return self

    def transform(self, X):
        memo: dict[str, dict] = {}  # parent headings repeat for every child
        rows = [memo[t] if t in memo else memo.setdefault(t, self.dictionary_.score(t).scores) for t in _as_list(X)]
        scores = np.log1p(np.array([[r[lab] for lab in LABELS] for r in rows], dtype=float).reshape(-1, len(LABELS)))
        none = (scores.sum(axis=1, keepdims=True) == 0).astype(float)  # no cue at all: the codebook's "other"
        return sp.csr_matrix(np.hstack([scores, none]))

    def get_feature_names_out(self, input_features=None):
        return np.array(list(LABELS) + ["no_cue"], dtype=object)


class Normalize(BaseEstimator, TransformerMixin):
    """First step of the pipeline: both text columns in the form every feature sees.

    ``normalize_text`` (NFKC widths, simplified characters, no spaces) runs once
    per text here instead of once per feature block; parent headings, which
    repeat for every child, are remembered.
    """

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        memo: dict[str, str] = {}
        out = {}
        for col in ("text", "parent_text"):
            vals = _as_list(X[col]) if col in X.columns else [""] * len(X)
            out[col] = [memo[v] if v in memo else memo.setdefault(v, normalize_text(v)) for v in vals]
        return pd.DataFrame(out)

    def get_feature_names_out(self, input_features=None):
        return np.array(["text", "parent_text"], dtype=object)


class Deduplicated(BaseEstimator, TransformerMixin):
    """A transformer applied to each distinct input once (parent headings repeat for every child).

    It is fitted on every row, duplicates included, so document frequencies and
    hence the features are exactly those of the wrapped transformer.
    """

    def __init__(self, transformer=None):
        self.transformer = transformer

    def fit(self, X, y=None):
        from sklearn.base import clone

        self.transformer_ = clone(self.transformer).fit(_as_list(X), y)
        return self

    def transform(self, X):
        index: dict[str, int] = {}
        rows = [index.setdefault(v, len(index)) for v in _as_list(X)]
        Xt = self.transformer_.transform(list(index))
        return (Xt.tocsr() if sp.issparse(Xt) else sp.csr_matrix(Xt))[rows]

    def get_feature_names_out(self, input_features=None):
        return self.transformer_.get_feature_names_out()


def _as_list(X) -> list[str]:
    if isinstance(X, pd.DataFrame):
        X = X.iloc[:, 0]
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in X]


#: weight of each feature block (the codebook-cue scores at 0.3 since the cue table grew; see docs/classify.md)
FEATURE_WEIGHTS = {"words": 1.0, "chars": 1.0, "parent": 0.4, "cues": 0.3, "parent_cues": 0.3}


def build_pipeline(word_tokenizer: WordTokenizer | None = None, dictionary: DictionaryClassifier | None = None,
                   calibration_folds: int = 3):
    """The unfitted scikit-learn ``Pipeline`` (input: a frame with ``text`` and ``parent_text``)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    words = word_tokenizer or WordTokenizer()
    # texts arrive normalized (the "normalize" step), so the vectorizers need no preprocessor
    features = ColumnTransformer(
        [("words", WordNgramTfidf(tokenizer=words, token_pattern=None, lowercase=False,
                                  ngram_range=(1, 2), sublinear_tf=True), "text"),
         ("chars", CharNgramTfidf(analyzer="char", lowercase=False,
                                  ngram_range=(1, 3), sublinear_tf=True, min_df=2), "text"),
         ("parent", Deduplicated(TfidfVectorizer(tokenizer=words.with_empty_token("<top>"), token_pattern=None,
                                                 lowercase=False, sublinear_tf=True)), "parent_text"),
         ("cues", DictionaryFeatures(dictionary), "text"),
         ("parent_cues", Deduplicated(DictionaryFeatures(dictionary)), "parent_text")],
        transformer_weights=dict(FEATURE_WEIGHTS))
    svm = LinearSVC(C=0.5, class_weight="balanced", random_state=0)
    clf = CalibratedClassifierCV(svm, method="sigmoid",
                                 cv=StratifiedKFold(n_splits=calibration_folds, shuffle=False))
    return Pipeline([("normalize", Normalize()), ("features", features), ("clf", clf)])


#: the few alternatives compared by nested cross-validation (``unionmine evaluate --nested``);
#: the first is the default of ``build_pipeline``
MODEL_GRID: dict[str, dict] = {
    "default": {},
    "parent_0.2": {"features__transformer_weights": {**FEATURE_WEIGHTS, "parent": 0.2}},
    "cues_0.6": {"features__transformer_weights": {**FEATURE_WEIGHTS, "cues": 0.6}},
    "chars_2_4": {"features__chars__ngram_range": (2, 4)},
    "C_1": {"clf__estimator__C": 1.0},
}


# ------------------------------------------------------------------------------
# training data
# ------------------------------------------------------------------------------
def training_frame(labels: pd.DataFrame, where: str = "labels") -> pd.DataFrame:
    """Rows usable for training: text, parent_text, primary_label (sorted by item id).

    Rows without a primary label (``NA`` or empty: titles, boilerplate) are dropped;
    an unknown label is an error.
    """
    for col in ("text", "primary_label"):
        if col not in labels.columns:
            raise InputFileError(where, f"a column '{col}'", f"columns {', '.join(map(str, labels.columns))}",
                                 "use a file written by the labelling workflow (docs/classify.md)", kind="labels")
    df = labels.copy()
    df["primary_label"] = df["primary_label"].fillna("").astype(str).str.strip()
    df = df[~df["primary_label"].isin(["", "NA", "na", "N/A"])]
    bad = sorted(set(df["primary_label"]) - set(LABELS))
    if bad:
        raise InputFileError(where, f"primary_label one of {', '.join(LABELS)}", f"{', '.join(bad)}",
                             "correct those rows (the codebook lists the labels)", kind="labels")
    if "parent_text" not in df.columns:
        df["parent_text"] = ""
    if "item_id" not in df.columns:
        df["item_id"] = [f"row{i:06d}" for i in range(len(df))]
    if "doc_id" not in df.columns:
        df["doc_id"] = ""
    df["text"] = df["text"].fillna("").astype(str)
    df["parent_text"] = df["parent_text"].fillna("").astype(str)
    df = df[df["text"].str.strip() != ""]
    return df.sort_values(["item_id", "text"], kind="mergesort").reset_index(drop=True)


def training_hash(frame: pd.DataFrame) -> str:
    """sha256 of the training rows (item_id, text, parent_text, primary_label) and the resources."""
    h = hashlib.sha256()
    h.update(MODEL_FORMAT.encode())
    for p in (CUES_PATH, USERDICT_PATH):
        h.update(Path(p).read_bytes())
    for row in frame[["item_id", "text", "parent_text", "primary_label"]].itertuples(index=False):
        h.update(json.dumps(list(row), ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


# ------------------------------------------------------------------------------
# the classifiers
# ------------------------------------------------------------------------------
@dataclass
class Classifier:
    """A fitted model with what is needed to trust it later."""

    pipeline: Any
    codebook_version: str
    training_hash: str
    n_training: int
    classes: tuple[str, ...]
    secondary_threshold: float = 0.35
    meta: dict = field(default_factory=dict)
    name: str = "model"
    #: "cues": secondary = labels whose codebook cues win a whole clause of the item (the default);
    #: "clauses": secondary = labels the model gives a clause of the item (p ≥ threshold);
    #: "probability": secondary = labels whose item-level probability ≥ threshold
    secondary_mode: str = "cues"

    # -- training --------------------------------------------------------------
    @classmethod
    def train(cls, labels: pd.DataFrame, config: Config | None = None, tokenizer: Any = None,
              where: str = "labels", params: dict | None = None) -> "Classifier":
        """Fit on a labels table (``text``, ``primary_label``, optional ``parent_text``).

        ``params``: scikit-learn ``set_params`` overrides of the pipeline, e.g.
        ``{"clf__estimator__C": 1.0}`` (for experiments; the defaults are documented).
        """
        import sklearn

        config = config or Config()
        df = training_frame(labels, where)
        counts = df["primary_label"].value_counts()
        rare = sorted(counts[counts < 2].index)
        if rare:
            warnings.warn(f"{where}: labels {', '.join(rare)} have fewer than 2 examples and are not learnt; "
                          "code more items with them", UserWarning, stacklevel=2)
            df = df[~df["primary_label"].isin(rare)].reset_index(drop=True)
            counts = df["primary_label"].value_counts()
        if len(counts) < 2:
            raise InputFileError(where, "examples of at least 2 labels", f"{len(counts)} label(s), {len(df)} rows",
                                 "code more items before training", kind="labels")
        folds = int(min(3, counts.min()))
        pipe = build_pipeline(WordTokenizer(tokenizer=tokenizer), calibration_folds=folds)
        if params:
            pipe.set_params(**params)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*did not converge.*")
            pipe.fit(df[["text", "parent_text"]], df["primary_label"].to_numpy())
        model = cls(pipeline=pipe, codebook_version=CODEBOOK_VERSION, training_hash=training_hash(df),
                    n_training=len(df), classes=tuple(pipe.classes_),
                    secondary_threshold=config.secondary_threshold,
                    meta={"format": MODEL_FORMAT, "sklearn": sklearn.__version__,
                          "label_counts": {k: int(v) for k, v in counts.sort_index().items()}})
        model._explainer()
        return model

    # -- prediction ------------------------------------------------------------
    def predict_proba(self, texts: Sequence[str], parent_texts: Sequence[str] | None = None) -> np.ndarray:
        """Calibrated probabilities, columns in ``self.classes`` order."""
        return self.pipeline.predict_proba(_frame(texts, parent_texts))

    def predict(self, texts: Sequence[str], parent_texts: Sequence[str] | None = None,
                item_ids: Sequence[str] | None = None, explain: bool = True) -> list[ItemLabel]:
        """One ``ItemLabel`` per text: primary, secondary (p ≥ threshold), confidence, top terms."""
        texts = list(texts)
        if not texts:
            return []
        X = _frame(texts, parent_texts)
        Xn = self.pipeline.named_steps["normalize"].transform(X)
        Xt = self.pipeline.named_steps["features"].transform(Xn).tocsr()
        proba = self.pipeline[-1].predict_proba(Xt)
        ids = list(item_ids) if item_ids is not None else [""] * len(texts)
        clause_labels = self._clause_labels(texts, X["parent_text"].tolist()) if self.secondary_mode == "clauses" else None
        ntexts, nparents = Xn["text"].tolist(), Xn["parent_text"].tolist()
        ks = np.argmax(proba, axis=1)
        ranked = self._ranked_features(Xt, ks) if explain else None
        out = []
        for i, p in enumerate(proba):
            k = int(ks[i])
            primary = self.classes[k]
            if self.secondary_mode == "cues":
                found = self._cue_clause_labels(ntexts[i])
            elif clause_labels is not None:
                found = clause_labels[i]
            else:
                found = {lab for lab in self.classes if p[self.classes.index(lab)] >= self.secondary_threshold}
            secondary = tuple(lab for lab in LABELS if lab != primary and lab in found)
            terms = self._top_terms(ranked, i, k, ntexts[i], nparents[i]) if explain else ()
            out.append(ItemLabel(ids[i], primary, secondary, float(round(p[k], 4)), terms, self.name))
        return out

    def _cue_clause_labels(self, text: str) -> set[str]:
        """Labels whose codebook cues win a whole clause of a multi-clause item (never ``other``).

        The codebook makes a function secondary "when it is substantive (a whole
        clause), not a passing word": each clause (split at 。；;!?, at least
        ``MIN_CLAUSE_CHARS`` characters) is scored by the dictionary on its own.
        """
        self._explainer()
        labels = self._dictionary.clause_labels(text, _CLAUSE_SPLIT, MIN_CLAUSE_CHARS)
        return {label for label in labels if label != "other"} if len(labels) >= 2 else set()

    def _clause_labels(self, texts: list[str], parents: list[str]) -> list[set[str]]:
        """Per item, the labels that win one of its clauses with p ≥ the secondary threshold.

        The codebook makes a function secondary when it fills a whole clause; so each
        clause (split at 。；;!?) of a multi-clause item is classified on its own, with
        the item's parent as context.  ``other`` is never a secondary label.
        """
        owner, clauses, cparents = [], [], []
        for i, t in enumerate(texts):
            parts = [c for c in _CLAUSE_SPLIT.split(t) if len(c.strip()) >= MIN_CLAUSE_CHARS]
            if len(parts) >= 2:
                owner += [i] * len(parts)
                clauses += parts
                cparents += [parents[i]] * len(parts)
        found: list[set[str]] = [set() for _ in texts]
        if clauses:
            proba = self.pipeline.predict_proba(_frame(clauses, cparents))
            for i, p in zip(owner, proba):
                k = int(np.argmax(p))
                if p[k] >= self.secondary_threshold and self.classes[k] != "other":
                    found[i].add(self.classes[k])
        return found

    # -- explanation -----------------------------------------------------------
    def _explainer(self):
        """Mean coefficients of the calibrated folds' SVMs and the feature names."""
        if getattr(self, "_coef", None) is None:
            clf = self.pipeline[-1]
            coefs = []
            for cc in clf.calibrated_classifiers_:
                c = np.asarray(cc.estimator.coef_)
                coefs.append(np.vstack([-c[0], c[0]]) if c.shape[0] == 1 else c)
            self._coef = np.mean(coefs, axis=0)
            features = self.pipeline.named_steps["features"]
            self._names = list(features.get_feature_names_out())
            # the fitted cue features' own dictionary: its memo already holds the item's scores
            self._dictionary = features.named_transformers_["cues"].dictionary_
            self._views = [_feature_view(name) for name in self._names]
            self._shown = np.array([v is not None for v in self._views], dtype=bool)
        return self._coef, self._names

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        for k in ("_coef", "_names", "_dictionary", "_views", "_shown"):
            state.pop(k, None)
        return state

    def _ranked_features(self, Xt, ks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For every row at once: its features with a positive contribution (tf-idf value × mean
        SVM weight) to the row's class ``ks[row]``, largest first (ties in column order).

        Returns ``(indptr, features)``: row ``i``'s ranked features are
        ``features[indptr[i]:indptr[i + 1]]``.  One sort for the batch instead of one per row.
        """
        coef, _ = self._explainer()
        rows = np.repeat(np.arange(Xt.shape[0]), np.diff(Xt.indptr))
        contrib = Xt.data * coef[ks[rows], Xt.indices]
        keep = (contrib > 0) & self._shown[Xt.indices]  # features that can never be shown need no rank
        rows, contrib, features = rows[keep], contrib[keep], Xt.indices[keep]
        # by row, then by contribution, largest first; stable, so equal contributions keep their column
        # order (np.lexsort((-contrib, rows)), a third faster as two stable sorts, the second a radix sort)
        order = np.argsort(-contrib, kind="stable")
        narrow = rows.astype(np.uint16) if Xt.shape[0] <= np.iinfo(np.uint16).max else rows
        order = order[np.argsort(narrow[order], kind="stable")]
        indptr = np.zeros(Xt.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=Xt.shape[0]), out=indptr[1:])
        return indptr, features[order]

    def _top_terms(self, ranked: tuple[np.ndarray, np.ndarray], i: int, k: int, text: str,
                   parent: str = "") -> tuple[str, ...]:
        """Terms with the largest positive contribution to class ``k`` (``ranked``: ``_ranked_features``).

        Word bigrams are shown joined; the dictionary-score features are shown as the
        cues they counted; features of the parent heading carry a ``parent:`` prefix.
        """
        self._explainer()
        views = self._views
        indptr, features = ranked
        label = self.classes[k]
        terms: list[str] = []
        for f in features[indptr[i]:indptr[i + 1]].tolist():
            if len(terms) >= N_TOP_TERMS:
                break
            kind, shown = views[f]
            if kind == "cues":
                new = list(self._dictionary.score(text).terms_for(label)[:2]) if shown == label else []
            elif kind == "parent_cues":
                new = [f"parent:{t}" for t in self._dictionary.score(parent).terms_for(label)[:2]] \
                    if shown == label else []
            else:
                new = [shown]
            for t in new:
                if len(terms) < N_TOP_TERMS and not any(t in s or s in t for s in terms):
                    terms.append(t)
        return tuple(terms)

    # -- persistence -----------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> Path:
        """joblib bundle: the pipeline plus codebook version, training hash, versions."""
        import joblib

        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp")
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"format": MODEL_FORMAT, "classifier": self}, tmp, compress=3)
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "Classifier":
        """Load a saved model; refuse one coded under another codebook version."""
        import joblib
        import sklearn

        path = Path(path)
        try:
            bundle = joblib.load(path)
        except FileNotFoundError:
            raise ConfigError(str(path), "a model file written by 'unionmine train'", "no such file",
                              "train one with 'unionmine train --labels FILE --model PATH'") from None
        except Exception as e:
            raise ConfigError(str(path), "a joblib model file written by 'unionmine train'",
                              f"an unreadable file ({type(e).__name__})", "train the model again") from None
        if not isinstance(bundle, dict) or bundle.get("format") != MODEL_FORMAT:
            found = bundle.get("format") if isinstance(bundle, dict) else type(bundle).__name__
            raise ConfigError(str(path), f"model format {MODEL_FORMAT}", repr(found),
                              "train the model again with this version of unionmine")
        model: Classifier = bundle["classifier"]
        if model.codebook_version != CODEBOOK_VERSION:
            raise ConfigError(str(path), f"a model trained under codebook version {CODEBOOK_VERSION}",
                              f"codebook version {model.codebook_version}",
                              "retrain it on labels coded with the current codebook")
        if model.meta.get("sklearn") != sklearn.__version__:
            warnings.warn(f"{path}: trained with scikit-learn {model.meta.get('sklearn')}, running "
                          f"{sklearn.__version__}; retrain if predictions look wrong", UserWarning, stacklevel=2)
        return model


class DictionaryModel:
    """The dictionary baseline behind the same ``predict`` interface."""

    name = "dictionary"
    classes = LABELS

    def __init__(self, dictionary: DictionaryClassifier | None = None):
        self.dictionary = dictionary or DictionaryClassifier()

    def predict(self, texts: Sequence[str], parent_texts: Sequence[str] | None = None,
                item_ids: Sequence[str] | None = None, explain: bool = True) -> list[ItemLabel]:
        ids = list(item_ids) if item_ids is not None else [""] * len(texts)
        out = []
        for i, t in enumerate(texts):
            r = self.dictionary.score(t)
            out.append(ItemLabel(ids[i], r.primary_label, r.secondary_labels, round(r.confidence, 4),
                                 r.top_terms if explain else (), self.name))
        return out


def _frame(texts: Sequence[str], parent_texts: Sequence[str] | None) -> pd.DataFrame:
    texts = ["" if t is None else str(t) for t in texts]
    parents = ["" if p is None else str(p) for p in parent_texts] if parent_texts is not None else [""] * len(texts)
    if len(parents) != len(texts):
        raise ConfigError("parent_texts", f"{len(texts)} parent texts (one per text)", f"{len(parents)}",
                          "pass one parent text per item ('' for top-level items)")
    return pd.DataFrame({"text": texts, "parent_text": parents})


def _feature_view(name: str) -> tuple[str, str] | None:
    """How a feature is shown among the top terms: ``(block, label)`` for a dictionary score,
    ``("term", text)`` for a word or n-gram (``parent:`` before a parent heading's), ``None`` never."""
    block, _, term = name.partition("__")
    if block in ("cues", "parent_cues"):
        return block, term
    if term == "<top>" or any(c in _PUNCT for c in term.replace(" ", "")):
        return None  # an n-gram across punctuation explains little and would break the ';' list
    shown = term.replace(" ", "")
    return "term", f"parent:{shown}" if block.startswith("parent") else shown


# ------------------------------------------------------------------------------
# the stage and the model cache
# ------------------------------------------------------------------------------
def classify_items(items: Sequence[Item], classifier) -> list[ItemLabel]:
    """The stage: one ``ItemLabel`` per item, the parent heading's text as context."""
    by_id = {it.item_id: it for it in items}
    parents = [by_id[it.parent_id].text if it.parent_id in by_id else "" for it in items]
    return classifier.predict([it.text for it in items], parents, [it.item_id for it in items])


def _cache_key(frame: pd.DataFrame) -> str:
    """Training hash + the classifier's own code + scikit-learn's version: what a cached model depends on."""
    import sklearn

    h = hashlib.sha256(training_hash(frame).encode())
    for mod in ("classify.py", "dictionary.py"):
        h.update((Path(__file__).resolve().parent / mod).read_bytes())
    h.update(sklearn.__version__.encode())
    return h.hexdigest()


def read_labels(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A labels CSV (UTF-8, BOM optional) as strings."""
    from . import io as uio

    path = Path(path)
    if not path.is_file():
        raise InputFileError(str(path), "a labels CSV (item_id, text, primary_label, …)", "no such file",
                             "check the path, or create it with 'unionmine label export'", kind="labels")
    return uio.read_csv(path)


def load_or_train(config: Config | None = None, labels_path: str | os.PathLike[str] | None = None,
                  cache_dir: str | os.PathLike[str] | None = None, tokenizer: Any = None) -> Classifier:
    """The model for ``unionmine run``: load ``config.model_path``, or train and cache it.

    * ``config.model_path`` set and present: load it (codebook version checked);
    * ``config.model_path`` set but missing: train from the labels, save it there;
    * ``config.model_path`` None: train from the labels once and keep the model in
      ``cache_dir`` (default ``default_cache_dir()``) under a name made of the codebook
      version and the training hash, so that edited labels retrain automatically.
    Labels default to the shipped ``data/labels/items_v1.csv``.
    """
    config = config or Config()
    if config.model_path and Path(config.model_path).is_file():
        model = Classifier.load(config.model_path)
        model.secondary_threshold = config.secondary_threshold
        model.secondary_mode = config.secondary_mode
        return model
    lpath = Path(labels_path) if labels_path else SHIPPED_LABELS
    labels = read_labels(lpath)
    frame = training_frame(labels, str(lpath))
    if config.model_path:
        target = Path(config.model_path)
    else:
        key = _cache_key(frame)[:16]
        target = Path(cache_dir) if cache_dir else default_cache_dir()
        target = target / f"classifier-cb{CODEBOOK_VERSION}-{key}.joblib"
        if target.is_file():
            try:
                model = Classifier.load(target)
                model.secondary_threshold = config.secondary_threshold
                model.secondary_mode = config.secondary_mode
                return model
            except Exception:  # noqa: BLE001 - an unreadable or stale cache entry: train again below
                pass
    model = Classifier.train(labels, config, tokenizer=tokenizer, where=str(lpath))
    try:
        model.save(target)
    except OSError as e:  # a read-only cache never stops a run
        warnings.warn(f"{target}: could not save the trained model ({e.strerror}); set UNIONMINE_CACHE "
                      "to a writable folder", UserWarning, stacklevel=2)
    return model


LABEL_OUTPUT_COLUMNS = ["primary_label", "secondary_labels", "confidence", "top_terms", "model"]


def label_rows(labels: Sequence[ItemLabel]) -> list[dict]:
    """The columns added to a table: primary_label, secondary_labels, confidence, top_terms, model."""
    return [{"primary_label": lab.primary_label, "secondary_labels": ";".join(lab.secondary_labels),
             "confidence": round(lab.confidence, 4), "top_terms": ";".join(lab.top_terms), "model": lab.model}
            for lab in labels]


def classify_frame(frame: pd.DataFrame, classifier, where: str = "items") -> pd.DataFrame:
    """The input rows with the label columns added (``unionmine classify``)."""
    if "text" not in frame.columns:
        raise InputFileError(where, "a column 'text'", f"columns {', '.join(map(str, frame.columns))}",
                             "rename the item text column to 'text'", kind="input")
    texts = frame["text"].fillna("").astype(str).tolist()
    parents = frame["parent_text"].fillna("").astype(str).tolist() if "parent_text" in frame.columns else None
    ids = frame["item_id"].astype(str).tolist() if "item_id" in frame.columns else None
    labels = classifier.predict(texts, parents, ids)
    added = pd.DataFrame(label_rows(labels), index=frame.index, columns=LABEL_OUTPUT_COLUMNS)
    out = frame.drop(columns=[c for c in added.columns if c in frame.columns])
    return pd.concat([out, added], axis=1)
