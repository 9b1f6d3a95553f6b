"""Records LightGBM's leaf-wise probabilities for the tree-for-tree parity test of libs/ml/src/gbdt.

Writes libs/ml/src/gbdt/__fixtures__/lightgbm-parity.json: lightgbm (leaf-wise, no bagging, no
feature sampling) trained on the Telco numeric encoding of make_fixtures.py (rows with index % 5
!= 0), restricted to the columns with at most 255 distinct training values and no missing value
(43 columns), so LightGBM's histogram bins are exactly the distinct values, as ours are
(min_data_in_bin=1: no merging of rare values). With identical bins and no sampling the two
implementations must grow the same trees, so the test-row probabilities agree to float rounding,
provided ours estimates min_data_in_leaf counts from hessians as LightGBM does.

Run: .venv/bin/python compat/gbdt/make_lightgbm_parity.py
"""
import json
import os
import sys

import lightgbm as lgb
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import ROOT, telco  # noqa: E402

OUT = os.path.join(ROOT, "libs/ml/src/gbdt/__fixtures__/lightgbm-parity.json")
CASES = {
    # the seed's lightgbm parameters (config training.models.lightgbm) without sampling
    "num_leaves_31": dict(n_estimators=100, num_leaves=31, learning_rate=0.1, min_child_samples=20,
                          min_child_weight=1e-3, reg_lambda=0.0, max_bin=255, min_data_in_bin=1),
    "num_leaves_15_min_data_40": dict(n_estimators=60, num_leaves=15, learning_rate=0.2, min_child_samples=40,
                                      min_child_weight=1e-3, reg_lambda=1.0, max_bin=255, min_data_in_bin=1),
}


def main():
    x, y, names = telco()
    test = np.arange(len(y)) % 5 == 0
    xtr, ytr, xte = x[~test], y[~test], x[test]
    keep = [j for j in range(x.shape[1])
            if not np.isnan(xtr[:, j]).any() and len(np.unique(xtr[:, j])) <= 255]
    out = {
        "generated_by": "compat/gbdt/make_lightgbm_parity.py",
        "versions": {"lightgbm": lgb.__version__},
        "test_rows": "index % 5 == 0",
        "columns": [names[j] for j in keep],
        "cases": {},
    }
    for name, params in CASES.items():
        m = lgb.LGBMClassifier(**params, random_state=0, n_jobs=1, verbose=-1).fit(xtr[:, keep], ytr)
        p = m.predict_proba(xte[:, keep])[:, 1]
        leaves = [t["num_leaves"] for t in m.booster_.dump_model()["tree_info"]]
        out["cases"][name] = {"params": params, "num_leaves_per_tree": leaves, "test_proba": [float(v) for v in p]}
    with open(OUT, "w") as f:
        json.dump(out, f)
    print(json.dumps({"columns": len(keep), "cases": {k: {"trees": len(v["num_leaves_per_tree"])} for k, v in out["cases"].items()}}))


if __name__ == "__main__":
    main()
