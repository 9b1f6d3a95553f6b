"""bench:shap anchor side: trains the benchmark model and times XGBoost's and shap's TreeSHAP.

Trains XGBClassifier (hist, --trees trees of depth --depth, learning_rate 0.1) on the Telco data
(compat/linear/telco.py `telco_numeric`: ordinal categoricals, NaN kept in total_charges), saves
the model as XGBoost JSON and the first --rows rows (float64, row-major, NaN = missing) into
--out, then times on those rows (median of --repeats):
- xgboost `predict(pred_contribs=True)` with nthread 1 and 2,
- shap `TreeExplainer(model).shap_values(X)` (tree_path_dependent; for XGBoost models shap hands
  the work to pred_contribs, default threads),
- shap's own C++ TreeSHAP on the same model (explainer.model.model_type = "internal"), 1 thread.
Writes the pred_contribs values (nthread 1) to --out/xgb_contribs.f64 for the parity check on
our side. Prints one JSON line per implementation.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import shap
import xgboost as xgb

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "compat" / "linear"))
from telco import telco_numeric  # noqa: E402


def median_seconds(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--depth", type=int, default=6)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    out = Path(a.out)
    X, y, names = telco_numeric()
    clf = xgb.XGBClassifier(n_estimators=a.trees, max_depth=a.depth, learning_rate=0.1, tree_method="hist",
                            random_state=42, n_jobs=2)
    clf.fit(X, y)
    b = clf.get_booster()
    b.feature_names = names
    b.save_model(str(out / "model.json"))
    rows = X[: a.rows] if a.rows <= len(X) else X[np.arange(a.rows) % len(X)]
    np.ascontiguousarray(rows, dtype=np.float64).tofile(out / "rows.f64")
    leaves = int((b.trees_to_dataframe()["Feature"] == "Leaf").sum())
    common = {"bench": "shap", "model": "xgboost", "trees": a.trees, "depth": a.depth, "leaves": leaves,
              "rows": len(rows), "features": len(names)}

    dm = xgb.DMatrix(rows, feature_names=names)
    for nthread in (1, 2):
        b.set_param({"nthread": nthread})
        b.predict(dm, pred_contribs=True)  # warm-up
        sec, contribs = median_seconds(lambda: b.predict(dm, pred_contribs=True), a.repeats)
        if nthread == 1:
            np.ascontiguousarray(contribs, dtype=np.float64).tofile(out / "xgb_contribs.f64")
        print(json.dumps({**common, "impl": f"xgboost {xgb.__version__} pred_contribs", "threads": nthread,
                          "seconds": round(sec, 4), "rows_per_s": round(len(rows) / sec, 1)}), flush=True)

    b.set_param({"nthread": 2})
    ex = shap.TreeExplainer(clf, feature_perturbation="tree_path_dependent")
    sec, _ = median_seconds(lambda: ex.shap_values(rows, check_additivity=False), a.repeats)
    print(json.dumps({**common, "impl": f"shap {shap.__version__} TreeExplainer (delegates to pred_contribs)",
                      "threads": 2, "seconds": round(sec, 4), "rows_per_s": round(len(rows) / sec, 1)}), flush=True)

    ex_int = shap.TreeExplainer(clf, feature_perturbation="tree_path_dependent")
    ex_int.model.model_type = "internal"
    sec, _ = median_seconds(lambda: ex_int.shap_values(rows, check_additivity=False), a.repeats)
    print(json.dumps({**common, "impl": f"shap {shap.__version__} internal C++ TreeSHAP", "threads": 1,
                      "seconds": round(sec, 4), "rows_per_s": round(len(rows) / sec, 1)}), flush=True)


if __name__ == "__main__":
    main()
