"""The propensity model itself, free of the database: encode feature rows, train a calibrated
logistic regression, measure it on held-out accounts beside the days-past-due baseline, score
and explain.

Logistic regression on standardised features, calibrated by Platt scaling over three folds
(``CalibratedClassifierCV(method="sigmoid", ensemble=False)``): its log-odds are a sum of one
term per feature, so each score's drivers are exact (coefficient x standardised value, the
one-hot columns of a category added up), not an approximation.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from typing import Any

import joblib
import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from backend.scoring.features import CATEGORICAL, NUMERIC, Row

KIND = "logistic-platt-v1"
#: Most frequent values of each category kept as their own column; the rest are "other".
TOP_CATEGORIES = 12
MIN_ROWS, MIN_CLASS = 40, 8
HELD_OUT = 0.25
BINS = 10
#: Score bands (``shared.schemas.segments.SCORE_BANDS``): at least this probability.
BANDS = (("high", 0.5), ("medium", 0.2), ("low", 0.0))
DRIVERS = 3


class NotEnoughHistory(ValueError):
    def __init__(self, rows: int, positives: int) -> None:
        super().__init__(f"{rows} rows, {positives} positives")
        self.rows = rows
        self.positives = positives


@dataclass
class Encoder:
    """Rows to a matrix: the numeric features, then one column per kept category value."""

    categories: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def fit(cls, rows: list[Row]) -> Encoder:
        kept: dict[str, list[str]] = {}
        for name in CATEGORICAL:
            counts: dict[str, int] = {}
            for row in rows:
                value = row.categories[name]
                counts[value] = counts.get(value, 0) + 1
            ranked = sorted(counts, key=lambda v: (-counts[v], v))
            kept[name] = ranked[:TOP_CATEGORIES]
        return cls(kept)

    @property
    def columns(self) -> list[str]:
        return [
            *NUMERIC,
            *(f"{name}={value}" for name in CATEGORICAL for value in self.categories[name]),
        ]

    def owner(self, column: str) -> str:
        """The feature a column belongs to (a category's one-hot columns share it)."""
        return column.split("=", 1)[0]

    def matrix(self, rows: list[Row]) -> np.ndarray:
        out = np.zeros((len(rows), len(self.columns)))
        offsets: dict[tuple[str, str], int] = {}
        at = len(NUMERIC)
        for name in CATEGORICAL:
            for value in self.categories[name]:
                offsets[(name, value)] = at
                at += 1
        for i, row in enumerate(rows):
            for j, name in enumerate(NUMERIC):
                out[i, j] = row.numeric[name]
            for name in CATEGORICAL:
                column = offsets.get((name, row.categories[name]))
                if column is not None:
                    out[i, column] = 1.0
        return out


@dataclass
class Trained:
    model: CalibratedClassifierCV
    encoder: Encoder
    metrics: dict[str, Any]

    def artifact(self) -> tuple[bytes, str]:
        buffer = io.BytesIO()
        joblib.dump({"kind": KIND, "model": self.model, "encoder": self.encoder}, buffer)
        data = buffer.getvalue()
        return data, hashlib.sha256(data).hexdigest()


def train(rows: list[Row], seed: int = 0) -> Trained:
    labels = np.array([row.paid for row in rows], dtype=int)
    positives = int(labels.sum())
    if len(rows) < MIN_ROWS or min(positives, len(rows) - positives) < MIN_CLASS:
        raise NotEnoughHistory(len(rows), positives)
    fit_rows, test_rows, fit_y, test_y = train_test_split(
        rows, labels, test_size=HELD_OUT, stratify=labels, random_state=seed
    )
    encoder = Encoder.fit(fit_rows)
    base = make_pipeline(StandardScaler(), LogisticRegression(C=0.3, max_iter=2000))
    model = CalibratedClassifierCV(base, method="sigmoid", cv=3, ensemble=False)
    model.fit(encoder.matrix(fit_rows), fit_y)
    predicted = model.predict_proba(encoder.matrix(test_rows))[:, 1]
    days = np.array([row.numeric["days_past_due"] for row in test_rows])
    metrics = {
        "rows": len(rows),
        "positives": positives,
        "held_out": len(test_rows),
        "auc": float(roc_auc_score(test_y, predicted)),
        "baseline_auc": float(roc_auc_score(test_y, -days)),  # fewer days late: more likely
        "brier": float(brier_score_loss(test_y, predicted)),
        "base_rate": float(test_y.mean()),
        "calibration": calibration_bins(predicted, test_y),
    }
    return Trained(model, encoder, metrics)


def calibration_bins(predicted: np.ndarray, labels: np.ndarray) -> list[dict[str, float]]:
    """Per tenth of the probability range: accounts, mean predicted, share that paid."""
    found = []
    edges = np.linspace(0.0, 1.0, BINS + 1)
    which = np.clip(np.digitize(predicted, edges[1:-1]), 0, BINS - 1)
    for b in range(BINS):
        inside = which == b
        if inside.any():
            found.append(
                {
                    "low": float(edges[b]),
                    "high": float(edges[b + 1]),
                    "count": int(inside.sum()),
                    "predicted": float(predicted[inside].mean()),
                    "observed": float(labels[inside].mean()),
                }
            )
    return found


def load(artifact: bytes, sha256: str) -> tuple[CalibratedClassifierCV, Encoder]:
    """The stored model, refused unless its bytes are the ones written (the digest)."""
    if hashlib.sha256(artifact).hexdigest() != sha256:
        raise ValueError("the model's bytes do not match their digest")
    found = joblib.load(io.BytesIO(artifact))
    return found["model"], found["encoder"]


@dataclass(frozen=True, slots=True)
class Scored:
    score: float
    band: str
    drivers: list[dict[str, Any]]


def score(model: CalibratedClassifierCV, encoder: Encoder, rows: list[Row]) -> list[Scored]:
    if not rows:
        return []
    matrix = encoder.matrix(rows)
    probabilities = model.predict_proba(matrix)[:, 1]
    effects = _effects(model, encoder, matrix)
    found = []
    for i, row in enumerate(rows):
        ranked = sorted(effects[i].items(), key=lambda item: (-abs(item[1]), item[0]))
        drivers = [
            {
                "feature": name,
                "value": row.numeric[name] if name in row.numeric else row.categories[name],
                "effect": round(effect, 4),
            }
            for name, effect in ranked[:DRIVERS]
        ]
        probability = float(probabilities[i])
        found.append(Scored(probability, band(probability), drivers))
    return found


def band(probability: float) -> str:
    return next(name for name, low in BANDS if probability >= low)


def _effects(
    model: CalibratedClassifierCV, encoder: Encoder, matrix: np.ndarray
) -> list[dict[str, float]]:
    """Each feature's term in the log-odds of the fitted regression (before calibration,
    which is monotone and so keeps their order and sign)."""
    pipeline: Pipeline = model.calibrated_classifiers_[0].estimator
    scaler: StandardScaler = pipeline[0]
    regression: LogisticRegression = pipeline[-1]
    terms = scaler.transform(matrix) * regression.coef_[0]
    columns = encoder.columns
    out = []
    for i in range(matrix.shape[0]):
        by_feature: dict[str, float] = {}
        for j, column in enumerate(columns):
            owner = encoder.owner(column)
            by_feature[owner] = by_feature.get(owner, 0.0) + float(terms[i, j])
        out.append(by_feature)
    return out
