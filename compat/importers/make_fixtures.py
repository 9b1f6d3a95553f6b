"""Record XGBoost and LightGBM reference models and their own predictions for the importer tests.

Run: .venv/bin/python compat/importers/make_fixtures.py
Writes libs/ml/src/importers/__fixtures__/: the model files exactly as the packages save them
(XGBoost JSON via save_model, LightGBM text via save_model) and cases.json with, per model, the
test rows (null = NaN), the package's predict_proba[:, 1], its raw margin, and its SHAP
contributions (pred_contribs=True / pred_contrib=True; last column = expected value).
Note: for LightGBM rf models (average_output) raw_score and pred_contrib are NOT averaged
(they sum the trees); predict_proba is sigmoid(sum / n_trees).

Test rows: held-out rows (many with NaN) plus edge rows whose values sit exactly on split
thresholds, one float64 ulp either side of them, and at zero, so 'lt' vs 'le', float32 rounding
and every missing-value type are exercised.
"""
import json
import sys
from pathlib import Path

import lightgbm as lgb
import numpy as np
import xgboost as xgb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "linear"))
from telco import telco_numeric  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "libs" / "ml" / "src" / "importers" / "__fixtures__"
N_TREES = 30


def synthetic(seed=7, n=4000):
    rng = np.random.default_rng(seed)
    X = np.empty((n, 8))
    X[:, 0] = rng.normal(size=n)
    X[:, 1] = rng.uniform(-2, 2, size=n)
    X[:, 2] = rng.integers(0, 5, size=n)  # integer-valued: thresholds fall between integers
    X[:, 3] = rng.exponential(size=n) * (rng.random(n) < 0.6)  # many exact zeros
    X[:, 4] = rng.normal(size=n) * 1e-3 + 0.1  # values not representable in float32
    X[:, 5] = rng.normal(size=n)
    X[:, 6] = rng.gamma(2.0, size=n) - 1.0
    X[:, 7] = rng.normal(size=n)  # never missing in training
    logit = (1.2 * X[:, 0] - np.abs(X[:, 1]) + 0.5 * (X[:, 2] >= 3) + 0.8 * (X[:, 3] > 0.5)
             + 300 * (X[:, 4] - 0.1) + np.sin(2 * X[:, 5]) + 0.3 * X[:, 6] * X[:, 0] + 0.2 * X[:, 7])
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.uint8)
    for c, rate in [(0, 0.1), (1, 0.15), (3, 0.1), (5, 0.2), (6, 0.05)]:
        X[rng.random(n) < rate, c] = np.nan
    return X, y, [f"x{i}" for i in range(8)]


KZ = float(np.float32(1e-35))  # LightGBM's kZeroThreshold
BAND = [KZ, -KZ, KZ / 2, -KZ / 2, np.nextafter(KZ, np.inf), np.nextafter(-KZ, -np.inf)]


def edge_rows(X_test, thresholds, rng, k=72):
    """Rows copied from the test set with one feature moved onto a threshold (or an ulp off it),
    to zero, or into/just outside LightGBM's zero band [-1e-35f, 1e-35f]."""
    rows = []
    for i in range(k):
        feat, thr = thresholds[rng.integers(len(thresholds))]
        base = X_test[rng.integers(len(X_test))].copy()
        mode = i % 6
        if mode == 4:
            base[feat] = BAND[(i // 6) % len(BAND)]
        if mode == 5:
            base[rng.integers(len(base))] = 0.0
        if mode == 0:
            base[feat] = thr
        elif mode == 1:
            base[feat] = np.nextafter(thr, -np.inf)
        elif mode == 2:
            base[feat] = np.nextafter(thr, np.inf)
        elif mode == 3:
            base[feat] = 0.0
        rows.append(base)
    nan_row = X_test[0].copy()
    nan_row[:] = np.nan
    zero_row = np.zeros_like(nan_row)
    rows += [nan_row, zero_row]
    return np.array(rows)


def xgb_thresholds(booster):
    df = booster.trees_to_dataframe()
    df = df[df["Feature"] != "Leaf"]
    names = booster.feature_names
    return [(names.index(f), float(np.float32(s))) for f, s in zip(df["Feature"], df["Split"])]


def lgb_thresholds(booster):
    out = []

    def walk(node):
        if "split_feature" in node:
            out.append((node["split_feature"], float(node["threshold"])))
            walk(node["left_child"])
            walk(node["right_child"])

    for t in booster.dump_model()["tree_info"]:
        walk(t["tree_structure"])
    return out


def to_json_rows(X):
    return [[None if np.isnan(v) else float(v) for v in row] for row in X]


def case(name, file, kind, names, X, proba, margin, contribs):
    return {
        "name": name,
        "file": file,
        "kind": kind,
        "featureNames": names,
        "rows": to_json_rows(X),
        "proba": [float(v) for v in proba],
        "margin": [float(v) for v in margin],
        "contribs": [[float(v) for v in r] for r in contribs],
    }


def split(X, y, seed):
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(y))
    n_test = 240
    return X[idx[n_test:]], y[idx[n_test:]], X[idx[:n_test]]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(11)
    cases = []
    datasets = {"synth": synthetic(), "telco": telco_numeric()}
    for dname, (X, y, names) in datasets.items():
        Xtr, ytr, Xte = split(X, y, 3)

        # XGBoost: hist, depth 4, with sampling so trees differ; JSON model as save_model writes it.
        clf = xgb.XGBClassifier(n_estimators=N_TREES, max_depth=4, learning_rate=0.3, subsample=0.8,
                                colsample_bytree=0.8, tree_method="hist", random_state=42,
                                objective="binary:logistic")
        clf.fit(Xtr, ytr)
        booster = clf.get_booster()
        booster.feature_names = names
        file = f"xgb_{dname}.json"
        booster.save_model(str(OUT / file))
        rows = np.vstack([Xte, edge_rows(Xte, xgb_thresholds(booster), rng)])
        dm = xgb.DMatrix(rows, feature_names=names)
        cases.append(case(f"xgboost {dname}", file, "xgboost", names, rows,
                          booster.predict(dm), booster.predict(dm, output_margin=True),
                          booster.predict(dm, pred_contribs=True)))

        # LightGBM gbdt: NaN-aware (missing type NaN where training saw NaN, None elsewhere).
        variants = [("gbdt", dict(boosting_type="gbdt", num_leaves=15, learning_rate=0.2))]
        if dname == "synth":
            variants.append(("zero", dict(boosting_type="gbdt", num_leaves=15, learning_rate=0.2,
                                          zero_as_missing=True)))
            variants.append(("rf", dict(boosting_type="rf", num_leaves=15, bagging_fraction=0.7,
                                        bagging_freq=1, feature_fraction=0.8)))
        for vname, params in variants:
            model = lgb.LGBMClassifier(n_estimators=N_TREES, random_state=42, verbose=-1,
                                       min_child_samples=10, **params)
            model.fit(Xtr, ytr, feature_name=names)
            b = model.booster_
            file = f"lgb_{dname}_{vname}.txt"
            b.save_model(str(OUT / file))
            rows = np.vstack([Xte, edge_rows(Xte, lgb_thresholds(b), rng)])
            cases.append(case(f"lightgbm {dname} {vname}", file, "lightgbm", names, rows,
                              b.predict(rows), b.predict(rows, raw_score=True),
                              b.predict(rows, pred_contrib=True)))

    meta = {"xgboost": xgb.__version__, "lightgbm": lgb.__version__, "numpy": np.__version__}
    with open(OUT / "cases.json", "w") as f:
        json.dump({"generatedBy": "compat/importers/make_fixtures.py", "versions": meta, "cases": cases}, f)
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(json.dumps({"fixtures": str(OUT), "cases": len(cases), "bytes": total}))


if __name__ == "__main__":
    main()
