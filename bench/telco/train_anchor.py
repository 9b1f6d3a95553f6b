"""bench:telco step 3: the anchors from PyPI on the IDENTICAL rows and numbers.

Reads the data directory written by prepare.js (the preprocessed matrices of all rows and the
exported split indices, via compat/split/load_split.py), fits xgboost (tree_method=hist),
lightgbm, scikit-learn's RandomForestClassifier and LogisticRegression with the seed's
parameters from meta.json (config/config.yaml training.models), `repeats` fits each on one
thread, and writes the test-split probabilities (proba_anchor_<model>.f64) and the fit times
(fits_anchor.json), then one untimed fit per variant listed in meta.json. sklearn's own ROC-AUC / average precision of the same probabilities are
recorded too, so the report can check that our metric code agrees with sklearn's.

Usage: python train_anchor.py --data DIR
"""
import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def load_split(path):
    spec = importlib.util.spec_from_file_location("load_split", ROOT / "compat" / "split" / "load_split.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.load_split(path)


def matrix(d, name, rows, cols):
    # column-major float64 -> (rows, cols) C-contiguous
    return np.ascontiguousarray(np.fromfile(os.path.join(d, name), dtype=np.float64).reshape(cols, rows).T)


def make(model, p):
    if model == "xgboost":
        import xgboost as xgb

        return xgb.XGBClassifier(tree_method="hist", n_jobs=1, **p)
    if model == "lightgbm":
        import lightgbm as lgb

        return lgb.LGBMClassifier(n_jobs=1, verbose=-1, **p)
    if model == "random_forest":
        from sklearn.ensemble import RandomForestClassifier

        return RandomForestClassifier(n_jobs=1, **p)
    if model == "logistic_regression":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(**p)
    raise ValueError(f"unknown model {model!r}")


MATRIX_OF = {"xgboost": "tree", "lightgbm": "tree", "random_forest": "tree", "logistic_regression": "linear"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    a = ap.parse_args()
    meta = json.loads(Path(a.data, "meta.json").read_text())
    split = load_split(os.path.join(a.data, "split.json"))
    rows = meta["rows"]
    y = np.fromfile(os.path.join(a.data, "y.u8"), dtype=np.uint8)
    xs = {
        "tree": matrix(a.data, "x_tree.f64", rows, len(meta["treeColumns"])),
        "linear": matrix(a.data, "x_linear.f64", rows, len(meta["linearColumns"])),
    }
    from sklearn.metrics import average_precision_score, roc_auc_score

    y_train, y_test = y[split["train"]], y[split["test"]]
    out = {}
    for model in ("xgboost", "lightgbm", "random_forest", "logistic_regression"):
        x = xs[MATRIX_OF[model]]
        x_train, x_test = np.ascontiguousarray(x[split["train"]]), np.ascontiguousarray(x[split["test"]])
        seconds = []
        proba = None
        for _ in range(meta["repeats"]):
            clf = make(model, meta["models"][model])
            t0 = time.perf_counter()
            clf.fit(x_train, y_train)
            seconds.append(time.perf_counter() - t0)
            proba = clf.predict_proba(x_test)[:, 1].astype(np.float64)
        proba.tofile(os.path.join(a.data, f"proba_anchor_{model}.f64"))
        out[model] = {
            "fit_seconds": seconds,
            "sklearn_roc_auc": float(roc_auc_score(y_test, proba)),
            "sklearn_average_precision": float(average_precision_score(y_test, proba)),
        }
        print(f"bench:telco anchor {model}: fits {', '.join(f'{s:.3f}' for s in seconds)} s", file=sys.stderr)
    Path(a.data, "fits_anchor.json").write_text(json.dumps(out) + "\n")
    for v in meta["variants"]:
        x = xs[MATRIX_OF[v["model"]]]
        if v["columns"] is not None:
            x = x[:, v["columns"]]
        params = {**meta["models"][v["model"]], **v["overrides"]}
        clf = make(v["model"], params).fit(np.ascontiguousarray(x[split["train"]]), y_train)
        clf.predict_proba(np.ascontiguousarray(x[split["test"]]))[:, 1].astype(np.float64).tofile(os.path.join(a.data, f"proba_anchor_{v['id']}.f64"))
    print(f"bench:telco anchor: {len(meta['variants'])} variant fits done", file=sys.stderr)


if __name__ == "__main__":
    main()
