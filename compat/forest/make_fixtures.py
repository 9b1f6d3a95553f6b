"""Record scikit-learn RandomForestClassifier reference accuracy for libs/ml/src/forest tests.

Run: .venv/bin/python compat/forest/make_fixtures.py   (after compat/linear/make_fixtures.py)
Forests cannot match bit for bit (different RNG), so this records test ROC-AUC (mean over 5 seeds
and each seed's value), feature importances and fit time on:
- Telco one-hot (libs/ml/src/linear/__fixtures__/telco_onehot.json, its 60/20/20 split; models
  fit on the train split, scored on the test split) with the seed's parameters and with defaults;
- a synthetic set with NaN in three columns (sklearn >= 1.4 native missing-value splits), stored here.
Writes libs/ml/src/forest/__fixtures__/rf_reference.json.
"""
import json
import sys
import time
from pathlib import Path

import numpy as np
import sklearn
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "linear"))
from telco import ROOT  # noqa: E402

OUT = ROOT / "libs" / "ml" / "src" / "forest" / "__fixtures__"
TELCO = ROOT / "libs" / "ml" / "src" / "linear" / "__fixtures__" / "telco_onehot.json"
SEEDS = [42, 0, 1, 2, 3]


def load_telco():
    d = json.load(open(TELCO))
    cols = []
    for c in d["columns"]:
        cols.append(np.array([ch == "1" for ch in c["bits"]], dtype=float) if "bits" in c else np.array(c["values"]))
    X = np.column_stack(cols)
    y = np.array([int(ch) for ch in d["y"]], dtype=np.uint8)
    s = d["split"]
    return X[s["train"]], y[s["train"]], X[s["test"]], y[s["test"]]


def synthetic(seed=3, n=2000):
    rng = np.random.default_rng(seed)
    X = np.round(rng.normal(size=(n, 6)), 4)
    X[:, 4] = rng.integers(0, 4, size=n)
    logit = 1.5 * X[:, 0] - X[:, 1] ** 2 + 0.8 * (X[:, 4] == 2) + np.sin(3 * X[:, 2]) + 0.3 * X[:, 3]
    miss = rng.random((n, 6)) < np.array([0.15, 0.0, 0.25, 0.0, 0.1, 0.0])
    # missingness is informative for column 2: rows with NaN there lean positive
    logit = logit + 1.0 * miss[:, 2]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.uint8)
    X[miss] = np.nan
    return X, y


def run(name, params, Xtr, ytr, Xte, yte):
    aucs, imps, secs = [], [], []
    for s in SEEDS:
        m = RandomForestClassifier(random_state=s, **params)
        t0 = time.perf_counter()
        m.fit(Xtr, ytr)
        secs.append(time.perf_counter() - t0)
        aucs.append(roc_auc_score(yte, m.predict_proba(Xte)[:, 1]))
        imps.append(m.feature_importances_)
    return {"name": name, "params": params, "seeds": SEEDS, "testAuc": aucs, "meanTestAuc": float(np.mean(aucs)),
            "featureImportances": np.mean(imps, axis=0).tolist(), "fitSeconds": float(np.median(secs))}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    Xtr, ytr, Xte, yte = load_telco()
    seed_params = {"n_estimators": 100, "max_depth": 10, "min_samples_split": 5, "min_samples_leaf": 2}
    cases = [run("telco seed params", seed_params, Xtr, ytr, Xte, yte),
             run("telco defaults", {"n_estimators": 100}, Xtr, ytr, Xte, yte),
             run("telco log2 no-bootstrap depth 6", {"n_estimators": 50, "max_features": "log2", "bootstrap": False, "max_depth": 6}, Xtr, ytr, Xte, yte)]
    X, y = synthetic()
    c = run("synthetic with NaN", {"n_estimators": 100, "min_samples_leaf": 3}, X[:1500], y[:1500], X[1500:], y[1500:])
    c["x"] = [[None if np.isnan(v) else float(v) for v in r] for r in X]
    c["y"] = y.tolist()
    cases.append(c)
    with open(OUT / "rf_reference.json", "w") as f:
        json.dump({"generatedBy": "compat/forest/make_fixtures.py", "sklearn": sklearn.__version__, "cases": cases}, f)
    for c in cases:
        print(json.dumps({"case": c["name"], "meanTestAuc": round(c["meanTestAuc"], 5), "min": round(min(c["testAuc"]), 5), "max": round(max(c["testAuc"]), 5), "fitSeconds": round(c["fitSeconds"], 3)}))


if __name__ == "__main__":
    main()
