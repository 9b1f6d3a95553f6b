"""Records the accuracy anchors of libs/ml/src/gbdt from the real xgboost and lightgbm.

Writes libs/ml/src/gbdt/__fixtures__/gbdt-anchors.json with, for two data sets,
the test ROC-AUC of xgboost (hist, depthwise) and lightgbm (leaf-wise) trained with given
parameters, and xgboost's estimated base_score:
- "synthetic": a seeded nonlinear data set with NaNs, generated here and stored in the fixture
  (so the TypeScript test trains on the identical rows);
- "telco": data/raw/customer_data.csv with a by-hand numeric encoding that the TypeScript test
  repeats (numeric columns as is, total_charges blank -> NaN, every string column one-hot over its
  sorted categories, churn Yes -> 1); rows with index % 5 == 0 are the test split.

Run: .venv/bin/python compat/gbdt/make_fixtures.py
"""
import json
import os

import lightgbm as lgb
import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.metrics import roc_auc_score

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "libs/ml/src/gbdt/__fixtures__/gbdt-anchors.json")

XGB_PARAMS = dict(n_estimators=100, max_depth=4, learning_rate=0.1, subsample=1.0, colsample_bytree=1.0,
                  min_child_weight=1.0, reg_lambda=1.0, gamma=0.0, max_bin=256)
LGB_PARAMS = dict(n_estimators=100, num_leaves=15, learning_rate=0.1, min_child_samples=20,
                  min_child_weight=1e-3, reg_lambda=0.0, max_bin=255)


def synthetic(n=3000, seed=7):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6))
    x[:, 4] = rng.integers(0, 4, size=n)
    z = (np.sin(2 * x[:, 0]) + (x[:, 1] > 0.3) * 1.2 - 0.8 * x[:, 2] * x[:, 3] + 0.5 * (x[:, 4] == 2)
         + 0.3 * x[:, 5] ** 2 - 0.5)
    y = (rng.random(n) < 1 / (1 + np.exp(-2 * z))).astype(np.uint8)
    miss = rng.random(size=(n, 6)) < 0.05
    miss[:, 4] = False
    x[miss] = np.nan
    # float32-exact values keep both sides' thresholds comparable
    x = x.astype(np.float32).astype(np.float64)
    return x, y


def telco():
    df = pd.read_csv(os.path.join(ROOT, "data/raw/customer_data.csv"))
    y = (df["churn"] == "Yes").astype(np.uint8).to_numpy()
    cols, names = [], []
    for c in df.columns:
        if c in ("customer_id", "churn"):
            continue
        s = df[c]
        if not pd.api.types.is_numeric_dtype(s):
            for cat in sorted(s.dropna().unique()):
                cols.append((s == cat).astype(np.float64).to_numpy())
                names.append(f"{c}={cat}")
        else:
            cols.append(pd.to_numeric(s, errors="coerce").astype(np.float64).to_numpy())
            names.append(c)
    return np.column_stack(cols), y, names


def anchors(x, y, test_mask):
    xtr, ytr, xte, yte = x[~test_mask], y[~test_mask], x[test_mask], y[test_mask]
    xm = xgb.XGBClassifier(**XGB_PARAMS, tree_method="hist", random_state=0, n_jobs=1).fit(xtr, ytr)
    base = float(json.loads(xm.get_booster().save_config())["learner"]["learner_model_param"]["base_score"].strip("[]"))
    lm = lgb.LGBMClassifier(**LGB_PARAMS, random_state=0, n_jobs=1, verbose=-1).fit(xtr, ytr)
    return {
        "xgboost_auc": float(roc_auc_score(yte, xm.predict_proba(xte)[:, 1])),
        "lightgbm_auc": float(roc_auc_score(yte, lm.predict_proba(xte)[:, 1])),
        "xgboost_base_score": base,
        "train_positive_rate": float(ytr.mean()),
        "n_train": int(len(ytr)),
        "n_test": int(len(yte)),
    }


def main():
    xs, ys = synthetic()
    test_s = np.arange(len(ys)) % 4 == 0
    xt, yt, names = telco()
    test_t = np.arange(len(yt)) % 5 == 0
    out = {
        "generated_by": "compat/gbdt/make_fixtures.py",
        "versions": {"xgboost": xgb.__version__, "lightgbm": lgb.__version__},
        "xgboost_params": XGB_PARAMS,
        "lightgbm_params": LGB_PARAMS,
        "synthetic": {
            "test_rows": "index % 4 == 0",
            "x": [[None if np.isnan(v) else float(v) for v in row] for row in xs],
            "y": ys.tolist(),
            **anchors(xs, ys, test_s),
        },
        "telco": {"test_rows": "index % 5 == 0", "columns": names, **anchors(xt, yt, test_t)},
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(out, f)
    print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk not in ("x", "y", "columns")} if isinstance(v, dict) else v
                      for k, v in out.items()}, indent=1))


if __name__ == "__main__":
    main()
