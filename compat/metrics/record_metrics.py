"""Records scikit-learn's binary classification metrics on seeded cases into
libs/ml/src/metrics/__fixtures__/sklearn-metrics.json, which the TypeScript specs compare against.

Run: .venv/bin/python compat/metrics/record_metrics.py
Non-finite floats are written as the strings "Infinity", "-Infinity", "NaN".
"""
import json
import math
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn import metrics as M

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "libs/ml/src/metrics/__fixtures__/sklearn-metrics.json"


def enc(x):
    if isinstance(x, dict):
        return {k: enc(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [enc(v) for v in x]
    if isinstance(x, np.ndarray):
        return enc(x.tolist())
    if isinstance(x, (np.floating, float)):
        x = float(x)
        if math.isnan(x):
            return "NaN"
        if math.isinf(x):
            return "Infinity" if x > 0 else "-Infinity"
        return x
    if isinstance(x, (np.integer,)):
        return int(x)
    return x


def best_f1_threshold(y, s):
    """Max F1 over thresholds (predict s >= t), ties to the higher threshold, by sklearn's f1_score."""
    best = None
    for t in sorted(set(s.tolist()), reverse=True):
        f1 = M.f1_score(y, (s >= t).astype(int), zero_division=0)
        if best is None or f1 > best[1]:
            best = (t, f1)
    return {"threshold": best[0], "f1": best[1]}


def record(name, y, s, threshold_search=True):
    y = np.asarray(y, dtype=int)
    s = np.asarray(s, dtype=float)
    pred = (s >= 0.5).astype(int)
    out = {"name": name, "y_true": y, "y_score": s, "y_pred": pred}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["accuracy"] = M.accuracy_score(y, pred)
        out["precision"] = M.precision_score(y, pred, zero_division=0)
        out["recall"] = M.recall_score(y, pred, zero_division=0)
        out["f1"] = M.f1_score(y, pred, zero_division=0)
        out["confusion_matrix"] = M.confusion_matrix(y, pred, labels=[0, 1])
        out["roc_auc"] = M.roc_auc_score(y, s)
        out["average_precision"] = M.average_precision_score(y, s)
        if s.min() >= 0 and s.max() <= 1:
            out["log_loss"] = M.log_loss(y, s, labels=[0, 1])
            out["brier"] = M.brier_score_loss(y, s, pos_label=1, labels=[0, 1])
        fpr, tpr, th = M.roc_curve(y, s)
        out["roc_curve"] = {"fpr": fpr, "tpr": tpr, "thresholds": th}
        if len(y) <= 1000:
            fpr, tpr, th = M.roc_curve(y, s, drop_intermediate=False)
            out["roc_curve_all"] = {"fpr": fpr, "tpr": tpr, "thresholds": th}
        p, r, th = M.precision_recall_curve(y, s)
        out["pr_curve"] = {"precision": p, "recall": r, "thresholds": th}
        if threshold_search and y.sum() > 0:
            out["best_f1"] = best_f1_threshold(y, s)
    return enc(out)


def main():
    rng = np.random.default_rng(20240611)
    cases = []
    # 1. random scores, balanced labels
    y = rng.integers(0, 2, 1000)
    cases.append(record("random", y, rng.random(1000)))
    # 2. many ties: scores on a 0.1 grid, informative
    y = rng.integers(0, 2, 600)
    s = np.clip(np.round(0.3 * y + rng.random(600) * 0.7, 1), 0, 1)
    cases.append(record("ties", y, s))
    # 3. one class only
    cases.append(record("all_negative", np.zeros(50, dtype=int), rng.random(50), threshold_search=False))
    cases.append(record("all_positive", np.ones(50, dtype=int), rng.random(50)))
    # 4. perfect separation (and inverted)
    y = np.array([0] * 30 + [1] * 20)
    s = np.concatenate([rng.random(30) * 0.4, 0.6 + rng.random(20) * 0.4])
    cases.append(record("perfect", y, s))
    cases.append(record("inverted", y, 1 - s))
    # 5. Telco-like imbalance: 7043 rows, 26.5% positive, a noisy logistic model, probabilities incl. 0 and 1
    n = 7043
    y = (rng.random(n) < 0.265).astype(int)
    margin = -1.2 + 1.8 * y + rng.normal(0, 1.1, n)
    p = 1 / (1 + np.exp(-margin))
    p[:5] = [0.0, 1.0, 1e-20, 1 - 1e-17, 0.5]
    cases.append(record("telco_like", y, p, threshold_search=False))
    # 6. constant score, tiny inputs
    cases.append(record("constant", rng.integers(0, 2, 40), np.full(40, 0.3)))
    cases.append(record("two_rows", [0, 1], [0.2, 0.8]))
    doc = {"sklearn_version": sklearn.__version__, "numpy_version": np.__version__, "cases": cases}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({len(cases)} cases, sklearn {sklearn.__version__})")


if __name__ == "__main__":
    main()
