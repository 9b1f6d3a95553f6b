"""Record scikit-learn LogisticRegression reference solutions for libs/ml/src/linear tests.

Run: .venv/bin/python compat/linear/make_fixtures.py
Writes libs/ml/src/linear/__fixtures__/:
- telco_onehot.json: the Telco one-hot encoding (compat/linear/telco.py; 0/1 columns as strings of
  '0'/'1', numeric columns as numbers) and the seeded stratified 60/20/20 split indices (the seed's
  prepare_data: train_test_split twice, random_state=42). Shared with the forest tests.
- lr_reference.json: sklearn lbfgs solutions (tol=1e-12, max_iter=100000, i.e. converged to the
  unique optimum) on (x - mean) / std of the train split, and on a synthetic set; coefficients,
  intercept and test probabilities. newton-cholesky is recorded too as a cross-check.
"""
import json
import sys
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))
from telco import ROOT, telco_onehot  # noqa: E402

OUT = ROOT / "libs" / "ml" / "src" / "linear" / "__fixtures__"


def split_indices(y, seed=42):
    idx = np.arange(len(y))
    trval, test = train_test_split(idx, test_size=0.2, random_state=seed, stratify=y)
    train, val = train_test_split(trval, test_size=0.25, random_state=seed, stratify=y[trval])
    return train, val, test


def fit(X, y, C, solver="lbfgs"):
    m = LogisticRegression(C=C, solver=solver, tol=1e-12, max_iter=100000)
    m.fit(X, y)
    return m


def record(name, Xtr, ytr, Xte, C):
    m = fit(Xtr, ytr, C)
    check = fit(Xtr, ytr, C, "newton-cholesky")
    return {
        "name": name,
        "C": C,
        "coef": m.coef_[0].tolist(),
        "intercept": float(m.intercept_[0]),
        "coefNewtonCholesky": check.coef_[0].tolist(),
        "testProba": m.predict_proba(Xte)[:, 1].tolist(),
        "nIter": int(m.n_iter_[0]),
    }


def synthetic(seed=5, n=800, p=6):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * np.array([1, 2, 0.5, 10, 1, 3]) + np.array([0, 1, -2, 50, 0, 0])
    beta = np.array([0.8, -0.4, 1.5, 0.05, 0.0, 0.3])
    z = (X - X.mean(0)) @ beta - 0.7
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(np.uint8)
    return np.round(X, 6), y


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    X, y, names, binary = telco_onehot()
    train, val, test = split_indices(y)
    columns = []
    for j, nm in enumerate(names):
        col = X[:, j]
        if nm in binary:
            columns.append({"name": nm, "bits": "".join("1" if v else "0" for v in col)})
        else:
            columns.append({"name": nm, "values": col.tolist()})
    data = {
        "generatedBy": "compat/linear/make_fixtures.py",
        "rows": int(len(y)),
        "columns": columns,
        "y": "".join(str(int(v)) for v in y),
        "split": {"train": train.tolist(), "validation": val.tolist(), "test": test.tolist()},
    }
    with open(OUT / "telco_onehot.json", "w") as f:
        json.dump(data, f)

    mean = X[train].mean(0)
    std = X[train].std(0)
    std[std == 0] = 1.0
    Z = (X - mean) / std
    cases = [record("telco standardized C=1", Z[train], y[train], Z[test], 1.0),
             record("telco standardized C=0.05", Z[train], y[train], Z[test], 0.05)]
    Xs, ys = synthetic()
    cases.append(record("synthetic raw C=1", Xs[:600], ys[:600], Xs[600:], 1.0))
    cases[-1]["x"] = Xs.tolist()
    cases[-1]["y"] = ys.tolist()
    ref = {"generatedBy": "compat/linear/make_fixtures.py", "sklearn": sklearn.__version__,
           "telcoStandardization": {"mean": mean.tolist(), "std": std.tolist()}, "cases": cases}
    with open(OUT / "lr_reference.json", "w") as f:
        json.dump(ref, f)
    for c in cases:
        d = np.max(np.abs(np.array(c["coef"]) - np.array(c["coefNewtonCholesky"])))
        print(json.dumps({"case": c["name"], "lbfgs_vs_newton_cholesky_max_abs": float(d), "n_iter": c["nIter"]}))


if __name__ == "__main__":
    main()
