"""Records scikit-learn cross-validation of a LogisticRegression with StratifiedKFold
(shuffle=False, so the folds are identical to ours) on a seeded synthetic data set, and the seed's
printed line `print(f"CV AUC: {scores.mean():.3f} (+/- {scores.std() * 2:.3f})")` for it and for
score vectors chosen to hit exact rounding ties, into libs/ml/src/selection/__fixtures__/sklearn-cv.json.

Run: .venv/bin/python compat/tuning/record_cv.py
"""
import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_validate

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "libs/ml/src/selection/__fixtures__/sklearn-cv.json"


def line(scores):
    scores = np.asarray(scores, dtype=float)
    return f"CV AUC: {scores.mean():.3f} (+/- {scores.std() * 2:.3f})"


def main():
    x, y = make_classification(n_samples=400, n_features=6, n_informative=4, weights=[0.73], flip_y=0.05, random_state=3)
    cv = StratifiedKFold(n_splits=5, shuffle=False)
    scoring = ["roc_auc", "accuracy", "precision", "recall", "f1", "neg_log_loss", "average_precision"]
    res = cross_validate(LogisticRegression(C=1.0, tol=1e-8, max_iter=1000), x, y, cv=cv, scoring=scoring)
    folds = [{"train": tr.tolist(), "test": te.tolist()} for tr, te in cv.split(x, y)]
    scores = {k[len("test_"):]: res[k].tolist() for k in res if k.startswith("test_")}
    scores["log_loss"] = [-v for v in scores.pop("neg_log_loss")]
    auc = np.asarray(scores["roc_auc"])
    lines = [
        {"scores": s, "mean": float(np.mean(s)), "std": float(np.std(s)), "line": line(s)}
        for s in (
            auc.tolist(),
            [0.8125] * 5,  # mean exactly 0.8125: Python rounds half to even -> 0.812
            [0.8375] * 5,  # exactly representable? no: ordinary rounding
            [0.84, 0.81, 0.86, 0.83, 0.85],
            [0.9, 0.9, 0.9, 0.9, 0.9000000000000001],
            [0.5, 0.5625, 0.625, 0.6875, 0.75],  # std * 2 = 0.17677..., mean 0.625 exactly (tie)
        )
    ]
    out = {
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "x": x.tolist(),
        "y": y.tolist(),
        "folds": folds,
        "scores": scores,
        "mean": {k: float(np.mean(v)) for k, v in scores.items()},
        "std": {k: float(np.std(v)) for k, v in scores.items()},
        "lines": lines,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out) + "\n")
    print(f"wrote {OUT}: {line(auc)}")


if __name__ == "__main__":
    main()
