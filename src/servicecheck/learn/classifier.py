"""The classifier: character 1–3-gram TF-IDF and one logistic regression per stage (scikit-learn).

Why this and not a neural model: it trains in about a second on CPU from a few hundred calls, its
weights are per n-gram, so a finding can say which characters made it (「不归我」), and scikit-learn
installs from wheels everywhere. Imported only to train or when a pack uses a ``model`` rule.

A model is a folder: ``model.joblib`` (the vectoriser and the regressions) and ``model.json``
(labels, thresholds, training summary, library versions). joblib files are pickles: load only
models your team trained.
"""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

from .data import Example
from .files import META_FILE, MODEL_FILE

FORMAT = 1


@dataclass
class StageClassifier:
    vectorizer: Any  # a fitted TfidfVectorizer (scikit-learn has no type hints)
    models: dict[str, Any]  # stage -> fitted LogisticRegression (or None: no positives, always 0)
    meta: dict

    @property
    def labels(self) -> list[str]:
        return list(self.meta["labels"])

    @property
    def name(self) -> str:
        return self.meta.get("name", "model")

    def scores(self, texts: Sequence[str], label: str) -> list[float]:
        """The probability of ``label`` for each clause."""
        model = self.models[label]
        if model is None or not texts:
            return [0.0] * len(texts)
        matrix = self.vectorizer.transform(list(texts))
        return [float(p) for p in model.predict_proba(matrix)[:, 1]]

    def features(self, text: str, label: str, top: int = 3) -> list[str]:
        """The n-grams of ``text`` that pushed ``label`` up most (weight × TF-IDF), longest first among
        equals; single characters only when nothing longer helped."""
        model = self.models[label]
        if model is None:
            return []
        row = self.vectorizer.transform([text]).tocoo()
        names = self.vectorizer.get_feature_names_out()
        weights = model.coef_[0]
        pushes = [(weights[j] * v, str(names[j])) for j, v in zip(row.col, row.data) if weights[j] > 0]
        pushes.sort(key=lambda p: (-p[0], -len(p[1])))
        long = [n for _, n in pushes if len(n.strip()) >= 2]
        chosen: list[str] = []
        for name in long or [n for _, n in pushes]:
            if not any(name in c or c in name for c in chosen):
                chosen.append(name)
            if len(chosen) == top:
                break
        return chosen


def train(
    examples: list[Example],
    labels: Sequence[str],
    *,
    name: str = "model",
    c: float = 4.0,
    summary: Optional[dict] = None,
) -> StageClassifier:
    """Fit the vectoriser on every clause and one regression per label on the clauses that speak for
    it (golden cases only for their own stage)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=1)
    vectorizer.fit([e.text for e in examples])
    models: dict[str, Any] = {}
    counts = {}
    for label in labels:
        used = [e for e in examples if e.only is None or e.only == label]
        y = [label in e.positives for e in used]
        counts[label] = {"clauses": len(used), "positive": sum(y)}
        if not any(y) or all(y):
            models[label] = None
            continue
        model = LogisticRegression(C=c, max_iter=2000)
        model.fit(vectorizer.transform([e.text for e in used]), y)
        models[label] = model
    meta = {
        "format": FORMAT,
        "name": name,
        "labels": list(labels),
        "thresholds": dict.fromkeys(labels, 0.5),
        "unit": "agent clause (split at ，。？！；)",
        "features": "char 1-3-gram TF-IDF (sublinear tf), logistic regression per label",
        "C": c,
        "training": {"clauses": len(examples), "per_label": counts, **(summary or {})},
        "versions": _versions(),
    }
    return StageClassifier(vectorizer, models, meta)


def _versions() -> dict:
    import sklearn

    from .. import __version__

    return {"servicecheck": __version__, "scikit-learn": sklearn.__version__, "python": platform.python_version()}


def save(classifier: StageClassifier, folder: Path) -> None:
    import joblib

    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump({"vectorizer": classifier.vectorizer, "models": classifier.models}, folder / MODEL_FILE)
    (folder / META_FILE).write_text(json.dumps(classifier.meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def load(folder: Path) -> StageClassifier:
    """A saved model; ImportError with what to install when scikit-learn is missing."""
    try:
        import joblib
        import sklearn  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"the pack uses the model {folder}: install scikit-learn (pip install 'servicecheck[train]')"
        ) from exc
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    parts = joblib.load(folder / MODEL_FILE)
    return StageClassifier(parts["vectorizer"], parts["models"], meta)


_LOADED: dict[str, StageClassifier] = {}


def load_cached(folder: Path) -> StageClassifier:
    """One load per folder per process: several rules (and checkers) share a model."""
    key = str(folder.resolve())
    found = _LOADED.get(key)
    if found is None:
        found = _LOADED[key] = load(folder)
    return found
