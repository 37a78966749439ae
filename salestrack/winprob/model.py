"""The learning part: a scikit-learn pipeline (scaling + one-hot encoding + logistic
regression), its time-based holdout evaluation against the stage-probability baseline, and
the per-deal reasons.

Why logistic regression: its score is a sum of one term per feature, so the reasons shown for
a deal are exact, not an approximation. A feature's effect on one deal is Σ coef × (x − mean)
over the columns it is encoded into (x scaled or one-hot, mean over the training data): how
far that feature moves the deal's log-odds from those of an average training snapshot.
"""

import io
from dataclasses import dataclass

import joblib
import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from salestrack.winprob.features import CATEGORICAL, FEATURES, NUMERIC, FeatureTable, log_days

HOLDOUT_SHARE = 0.25  # the most recently closed quarter of the closed deals
LOG_FEATURES = {"days_in_stage", "deal_age", "amount", "days_since_activity"}
REASONS_KEPT = 3
CALIBRATION_BINS = 5


def matrix(table: FeatureTable) -> np.ndarray:
    """The model's input: numeric columns (durations and amount on a log scale), then the
    categorical ones as strings, in FEATURES order."""
    out = np.empty((len(table), len(FEATURES)), dtype=object)
    for i, row in enumerate(table.rows):
        for j, name in enumerate(NUMERIC):
            value = float(row[name])
            out[i, j] = log_days(value) if name in LOG_FEATURES else value
        for j, name in enumerate(CATEGORICAL, start=len(NUMERIC)):
            out[i, j] = str(row[name])
    return out


def new_pipeline() -> Pipeline:
    numeric = list(range(len(NUMERIC)))
    categorical = list(range(len(NUMERIC), len(FEATURES)))
    encode = ColumnTransformer(
        [
            ("num", StandardScaler(), numeric),
            (
                "cat",
                OneHotEncoder(
                    handle_unknown="infrequent_if_exist", min_frequency=5, sparse_output=False
                ),
                categorical,
            ),
        ]
    )
    return Pipeline([("encode", encode), ("model", LogisticRegression(C=1.0, max_iter=2000))])


def explanation(pipeline: Pipeline, x: np.ndarray) -> dict:
    """What reasons need, from the fitted pipeline and its training input: per encoded column
    its feature, its training mean and its coefficient."""
    encode = pipeline.named_steps["encode"]
    encoder = encode.named_transformers_["cat"]
    groups = list(NUMERIC)
    for name in encoder.get_feature_names_out(list(CATEGORICAL)):
        groups.append(next(f for f in CATEGORICAL if name.startswith(f"{f}_")))
    means = encode.transform(x).astype(float).mean(axis=0)
    coef = pipeline.named_steps["model"].coef_[0]
    return {
        "groups": groups,
        "columns": [str(c) for c in encode.get_feature_names_out()],
        "means": [float(m) for m in means],
        "coef": [float(c) for c in coef],
        "intercept": float(pipeline.named_steps["model"].intercept_[0]),
    }


def effects(pipeline: Pipeline, details: dict, x: np.ndarray) -> np.ndarray:
    """(snapshots × FEATURES) effect of each feature on each snapshot's log-odds."""
    encoded = pipeline.named_steps["encode"].transform(x).astype(float)
    terms = (encoded - np.array(details["means"])) * np.array(details["coef"])
    out = np.zeros((len(x), len(FEATURES)))
    index = {name: i for i, name in enumerate(FEATURES)}
    for column, group in enumerate(details["groups"]):
        out[:, index[group]] += terms[:, column]
    return out


def reasons(table: FeatureTable, effect: np.ndarray) -> list[list[dict]]:
    """The REASONS_KEPT strongest effects of each snapshot: feature, raw value, effect."""
    out = []
    for row, row_effect in zip(table.rows, effect, strict=True):
        order = np.argsort(-np.abs(row_effect))[:REASONS_KEPT]
        out.append(
            [
                {
                    "feature": FEATURES[j],
                    "value": row[FEATURES[j]],
                    "effect": round(float(row_effect[j]), 3),
                }
                for j in order
                if abs(row_effect[j]) >= 0.005
            ]
        )
    return out


@dataclass
class Evaluation:
    auc: float
    baseline_auc: float
    n_train: int
    n_holdout: int
    train_deals: int
    holdout_deals: int
    holdout_from: object
    holdout_won: int
    holdout_lost: int
    calibration: list[dict]


def split(table: FeatureTable) -> tuple[np.ndarray, object]:
    """Time-based holdout: a boolean mask of the snapshots of the last HOLDOUT_SHARE of the
    closed deals by close date (ties at the border go to the holdout), and that border."""
    closed = sorted(set(zip(table.closed_at, table.deal_ids, strict=True)))
    border = closed[min(int(len(closed) * (1 - HOLDOUT_SHARE)), len(closed) - 1)][0]
    return np.array([at >= border for at in table.closed_at]), border


def deal_count(table: FeatureTable, mask: np.ndarray, won: int | None = None) -> int:
    labels = np.array(table.won)
    keep = mask if won is None else mask & (labels == won)
    return len({d for d, k in zip(table.deal_ids, keep, strict=True) if k})


def evaluate(table: FeatureTable, x: np.ndarray, holdout: np.ndarray, border) -> Evaluation:
    """Fit on the earlier deals, score the holdout: AUC of the model and of the stage's
    configured probability on the same snapshots, and the model's calibration there."""
    y = np.array(table.won)
    pipeline = new_pipeline().fit(x[~holdout], y[~holdout])
    predicted = pipeline.predict_proba(x[holdout])[:, 1]
    baseline = np.array(table.stage_probability, dtype=float)[holdout]
    calibration = []
    for b in range(CALIBRATION_BINS):
        low, high = b / CALIBRATION_BINS, (b + 1) / CALIBRATION_BINS
        in_bin = (predicted >= low) & ((predicted < high) | (b == CALIBRATION_BINS - 1))
        n = int(in_bin.sum())
        calibration.append(
            {
                "low": round(low * 100),
                "high": round(high * 100),
                "n": n,
                "predicted": round(float(predicted[in_bin].mean()) * 100, 1) if n else None,
                "actual": round(float(y[holdout][in_bin].mean()) * 100, 1) if n else None,
            }
        )
    return Evaluation(
        auc=float(roc_auc_score(y[holdout], predicted)),
        baseline_auc=float(roc_auc_score(y[holdout], baseline)),
        n_train=int((~holdout).sum()),
        n_holdout=int(holdout.sum()),
        train_deals=deal_count(table, ~holdout),
        holdout_deals=deal_count(table, holdout),
        holdout_from=border,
        holdout_won=deal_count(table, holdout, won=1),
        holdout_lost=deal_count(table, holdout, won=0),
        calibration=calibration,
    )


def fit(x: np.ndarray, y: np.ndarray) -> tuple[Pipeline, dict]:
    pipeline = new_pipeline().fit(x, y)
    return pipeline, explanation(pipeline, x)


def dumps(pipeline: Pipeline) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer)
    return buffer.getvalue()


def loads(data: bytes) -> Pipeline:
    """Only for bytes read back from our own WinModel rows (trusted: see WinModel)."""
    return joblib.load(io.BytesIO(bytes(data)))


def predict(pipeline: Pipeline, details: dict, table: FeatureTable):
    """Probabilities and reasons of the snapshots of `table`."""
    if not len(table):
        return np.zeros(0), []
    x = matrix(table)
    probability = pipeline.predict_proba(x)[:, 1]
    return probability, reasons(table, effects(pipeline, details, x))
