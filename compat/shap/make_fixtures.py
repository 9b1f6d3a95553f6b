"""Record reference SHAP values (path-dependent TreeSHAP) for libs/ml/src/explain tests.

Run: .venv/bin/python compat/shap/make_fixtures.py
Writes libs/ml/src/explain/__fixtures__/: the models (XGBoost JSON via save_model, LightGBM text
via save_model, scikit-learn RandomForestClassifier as our tree JSON, see `sklearn_forest_json`)
and cases.json with, per model, the rows (null = NaN) and reference contributions:
- `native`: XGBoost `predict(pred_contribs=True)` / LightGBM `predict(pred_contrib=True)`
  (last column = expected value); XGBoost computes them in float32;
- `shap`: shap's own C++ TreeSHAP in float64 (`TreeExplainer(model)` with
  feature_perturbation="tree_path_dependent"). For XGBoost and LightGBM models shap's
  TreeExplainer hands the work to the native call above. For XGBoost (whose native values are
  float32) we run shap's internal algorithm on shap's parse of the model instead
  (explainer.model.model_type = "internal"), an independent float64 implementation. For LightGBM
  we keep what TreeExplainer returns (= pred_contrib): shap's internal parse of LightGBM sends NaN
  along default_left even where LightGBM's missing_type is None (NaN -> 0), so it disagrees with
  LightGBM's own predictions on such rows. For scikit-learn forests shap always runs its own
  algorithm.
  `shapExpected` = explainer.expected_value (shap's xgboost parse reads XGBoost 3's vector
  base_score differently, so for XGBoost only the per-feature values are compared with shap);
- `margin`: the package's raw output (XGBoost/LightGBM margin, forest predict_proba[:, 1]).
LightGBM rf (average_output): raw_score and pred_contrib sum the trees while predict averages;
our importer divides every leaf by the number of trees, so the reference is ours x n_trees.
LightGBM zero_as_missing models are not recorded: the importer rewrites their splits into 3-way
splits, whose extra nodes change the path-dependent expectation (SHAP differs from LightGBM's).
Values are written with 12 significant digits (far below the 1e-6 test tolerance); rows exactly.
"""
import json
import sys
from pathlib import Path

import lightgbm as lgb
import numpy as np
import shap
import sklearn
import xgboost as xgb
from sklearn.ensemble import RandomForestClassifier

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "linear"))
from telco import telco_numeric  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "libs" / "ml" / "src" / "explain" / "__fixtures__"
N_TEST = 200


def synthetic(seed=17, n=3000):
    """8 features, NaN in five of them, an integer column, exact zeros, interactions."""
    rng = np.random.default_rng(seed)
    X = np.empty((n, 8))
    X[:, 0] = rng.normal(size=n)
    X[:, 1] = rng.uniform(-2, 2, size=n)
    X[:, 2] = rng.integers(0, 5, size=n)
    X[:, 3] = rng.exponential(size=n) * (rng.random(n) < 0.6)
    X[:, 4] = rng.normal(size=n) * 1e-3 + 0.1  # not representable in float32
    X[:, 5] = rng.normal(size=n)
    X[:, 6] = rng.gamma(2.0, size=n) - 1.0
    X[:, 7] = rng.normal(size=n)
    logit = (1.2 * X[:, 0] - np.abs(X[:, 1]) + 0.5 * (X[:, 2] >= 3) + 0.8 * (X[:, 3] > 0.5)
             + 300 * (X[:, 4] - 0.1) + np.sin(2 * X[:, 5]) + 0.6 * X[:, 6] * X[:, 0] + 0.2 * X[:, 7])
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.uint8)
    for c, rate in [(0, 0.1), (1, 0.15), (3, 0.1), (5, 0.2), (6, 0.05)]:
        X[rng.random(n) < rate, c] = np.nan
    return X, y, [f"x{i}" for i in range(8)]


def split(X, y, seed=5):
    idx = np.random.default_rng(seed).permutation(len(y))
    return X[idx[N_TEST:]], y[idx[N_TEST:]], X[idx[:N_TEST]]


def edge_rows(X_test, thresholds, rng, k=40):
    """Test rows with one feature moved exactly onto a split threshold, one ulp either side, or to
    NaN; plus an all-NaN row and an all-zero row."""
    rows = []
    for i in range(k):
        f, t = thresholds[rng.integers(len(thresholds))]
        r = X_test[rng.integers(len(X_test))].copy()
        r[f] = [t, np.nextafter(t, -np.inf), np.nextafter(t, np.inf), np.nan][i % 4]
        rows.append(r)
    rows.append(np.full(X_test.shape[1], np.nan))
    rows.append(np.zeros(X_test.shape[1]))
    return np.vstack([X_test, np.array(rows)])


def g12(v):
    return float(f"{float(v):.12g}")


def rows_json(X):
    return [[None if np.isnan(v) else float(v) for v in r] for r in X]


def matrix_json(M):
    return [[g12(v) for v in r] for r in np.asarray(M)]


def shap_values(model, X, internal):
    """shap's TreeExplainer values for the positive class and its expected_value; with internal=True
    shap's own TreeSHAP (C++, float64) on shap's parse of the model instead of the native call."""
    ex = shap.TreeExplainer(model, feature_perturbation="tree_path_dependent")
    if internal:
        ex.model.model_type = "internal"
    v = np.asarray(ex.shap_values(X, check_additivity=False))
    if v.ndim == 3:  # (rows, features, classes) for classifiers with per-class output
        v = v[:, :, 1]
    ev = np.atleast_1d(ex.expected_value)
    return v, float(ev[-1])


def sklearn_forest_json(rf, names):
    """Our tree form (libs/ml/src/trees/tree.ts) from sklearn's tree_ arrays: rule 'le' on float32
    features, leaf value = positive-class fraction, cover = weighted_n_node_samples (bootstrap
    counts), NaN direction = missing_go_to_left, gain = weighted impurity decrease, threshold +inf
    (the NaN-only split) = null."""
    trees = []
    for est in rf.estimators_:
        t = est.tree_
        assert not np.isneginf(t.threshold).any() and not np.isnan(t.threshold).any()
        leaf = t.children_left == -1
        val = t.value[:, 0, :]
        frac = val[:, 1] / val.sum(axis=1)
        w = t.weighted_n_node_samples
        gain = np.zeros(t.node_count)
        inner = ~leaf
        li, ri = t.children_left[inner], t.children_right[inner]
        gain[inner] = w[inner] * t.impurity[inner] - w[li] * t.impurity[li] - w[ri] * t.impurity[ri]
        trees.append({
            "feature": [int(-1 if lf else f) for f, lf in zip(t.feature, leaf)],
            # sklearn's missing-value split "NaN vs everything" has threshold +inf: written as null.
            "threshold": [0.0 if lf else (None if th == np.inf else float(th)) for th, lf in zip(t.threshold, leaf)],
            "left": [int(v) for v in t.children_left],
            "right": [int(v) for v in t.children_right],
            "defaultLeft": [int(0 if lf else m) for m, lf in zip(t.missing_go_to_left, leaf)],
            "value": [float(v) if lf else 0.0 for v, lf in zip(frac, leaf)],
            "cover": [float(v) for v in w],
            "gain": [float(v) for v in gain],
        })
    return {"splitRule": "le", "link": "mean-probability", "baseMargin": 0, "nFeatures": len(names),
            "featureNames": names, "float32Features": True, "trees": trees}


def xgb_thresholds(b):
    df = b.trees_to_dataframe()
    df = df[df["Feature"] != "Leaf"]
    return [(b.feature_names.index(f), float(np.float32(s))) for f, s in zip(df["Feature"], df["Split"])]


def lgb_thresholds(b):
    out = []

    def walk(n):
        if "split_feature" in n:
            out.append((n["split_feature"], float(n["threshold"])))
            walk(n["left_child"])
            walk(n["right_child"])

    for t in b.dump_model()["tree_info"]:
        walk(t["tree_structure"])
    return out


def sk_thresholds(rf):
    return [(int(f), float(th)) for e in rf.estimators_ for f, th in zip(e.tree_.feature, e.tree_.threshold)
            if f >= 0 and np.isfinite(th)]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for p in OUT.iterdir():
        p.unlink()
    rng = np.random.default_rng(23)
    cases = []

    def add(name, file, kind, names, rows, margin, native, shap_v, shap_ev, scale=1):
        c = {"name": name, "file": file, "kind": kind, "featureNames": names, "referenceScale": scale,
             "rows": rows_json(rows), "margin": [g12(v) for v in margin], "shap": matrix_json(shap_v),
             "shapExpected": g12(shap_ev)}
        if native is not None:
            c["native"] = matrix_json(native)
        cases.append(c)

    for dname, (X, y, names) in {"synth": synthetic(), "telco": telco_numeric()}.items():
        Xtr, ytr, Xte = split(X, y)

        # XGBoost, depth 6 (the serving shape), hist, with sampling.
        clf = xgb.XGBClassifier(n_estimators=40, max_depth=6, learning_rate=0.2, subsample=0.8,
                                colsample_bytree=0.8, tree_method="hist", random_state=1)
        clf.fit(Xtr, ytr)
        b = clf.get_booster()
        b.feature_names = names
        file = f"xgb_{dname}.json"
        b.save_model(str(OUT / file))
        rows = edge_rows(Xte, xgb_thresholds(b), rng)
        dm = xgb.DMatrix(rows, feature_names=names)
        sv, sev = shap_values(clf, rows, internal=True)
        add(f"xgboost {dname}", file, "xgboost", names, rows, b.predict(dm, output_margin=True),
            b.predict(dm, pred_contribs=True), sv, sev)

        # LightGBM gbdt (NaN-aware), and rf mode (average_output) on the synthetic set.
        variants = [("gbdt", dict(boosting_type="gbdt", num_leaves=31, max_depth=6, learning_rate=0.2))]
        if dname == "synth":
            variants.append(("rf", dict(boosting_type="rf", num_leaves=31, bagging_fraction=0.7,
                                        bagging_freq=1, feature_fraction=0.8)))
        for vname, params in variants:
            n_trees = 40
            m = lgb.LGBMClassifier(n_estimators=n_trees, random_state=1, verbose=-1, min_child_samples=10, **params)
            m.fit(Xtr, ytr, feature_name=names)
            b = m.booster_
            file = f"lgb_{dname}_{vname}.txt"
            b.save_model(str(OUT / file))
            rows = edge_rows(Xte, lgb_thresholds(b), rng)
            sv, sev = shap_values(m, rows, internal=False)
            add(f"lightgbm {dname} {vname}", file, "lightgbm", names, rows, b.predict(rows, raw_score=True),
                b.predict(rows, pred_contrib=True), sv, sev, scale=n_trees if vname == "rf" else 1)

        # scikit-learn random forest (native NaN support), exported to our tree JSON.
        rf = RandomForestClassifier(n_estimators=20, max_depth=6, min_samples_leaf=5, random_state=1)
        rf.fit(Xtr, ytr)
        file = f"skrf_{dname}.json"
        with open(OUT / file, "w") as f:
            json.dump(sklearn_forest_json(rf, names), f, allow_nan=False)
        rows = edge_rows(Xte, sk_thresholds(rf), rng)
        ex = shap.TreeExplainer(rf, feature_perturbation="tree_path_dependent")
        sv = np.asarray(ex.shap_values(rows))[:, :, 1]
        add(f"sklearn rf {dname}", file, "ours", names, rows, rf.predict_proba(rows)[:, 1], None, sv,
            float(np.atleast_1d(ex.expected_value)[1]))

    meta = {"shap": shap.__version__, "xgboost": xgb.__version__, "lightgbm": lgb.__version__,
            "scikit-learn": sklearn.__version__, "numpy": np.__version__}
    with open(OUT / "cases.json", "w") as f:
        json.dump({"generatedBy": "compat/shap/make_fixtures.py", "versions": meta, "cases": cases}, f, allow_nan=False)
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(json.dumps({"fixtures": str(OUT.relative_to(ROOT)), "cases": len(cases), "bytes": total}))


if __name__ == "__main__":
    main()
