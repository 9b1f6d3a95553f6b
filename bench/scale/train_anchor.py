"""One bench:scale anchor measurement in its own process (peak RSS per process).

Reads the data written by generate.js (column-major float64, uint8 labels), fits xgboost (hist)
or lightgbm with 100 trees of depth 6 (learning rate 0.1, 256 bins), predicts the test split and
prints one JSON line {"model","impl","threads","fit_seconds","predict_seconds","peak_rss_mb","test_auc"}.

Usage: python train_anchor.py --data DIR --impl xgboost|lightgbm --threads T
"""
import argparse
import json
import os
import resource
import time

import numpy as np
from sklearn.metrics import roc_auc_score


def load(d, split, rows, cols):
    x = np.fromfile(os.path.join(d, f"{split}_x.f64"), dtype=np.float64).reshape(cols, rows).T
    y = np.fromfile(os.path.join(d, f"{split}_y.u8"), dtype=np.uint8)
    return x, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--impl", choices=["xgboost", "lightgbm"], required=True)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    meta = json.load(open(os.path.join(a.data, "meta.json")))
    x, y = load(a.data, "train", meta["trainRows"], meta["cols"])
    if a.impl == "xgboost":
        import xgboost as xgb

        model = xgb.XGBClassifier(
            n_estimators=100, max_depth=6, learning_rate=0.1, tree_method="hist", max_bin=256,
            n_jobs=a.threads, random_state=0,
        )
    else:
        import lightgbm as lgb

        model = lgb.LGBMClassifier(
            n_estimators=100, max_depth=6, num_leaves=63, learning_rate=0.1, max_bin=255,
            n_jobs=a.threads, random_state=0, verbose=-1,
        )
    t0 = time.perf_counter()
    model.fit(x, y)
    fit_s = time.perf_counter() - t0
    del x
    xt, yt = load(a.data, "test", meta["testRows"], meta["cols"])
    t1 = time.perf_counter()
    p = model.predict_proba(xt)[:, 1]
    pred_s = time.perf_counter() - t1
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "model": "gbdt" if a.impl == "xgboost" else "gbdt-lossguide",
        "impl": a.impl, "threads": a.threads, "rows": meta["trainRows"],
        "fit_seconds": round(fit_s, 3), "predict_seconds": round(pred_s, 3),
        "peak_rss_mb": round(rss_mb, 1), "test_auc": round(float(roc_auc_score(yt, p)), 5),
    }))


if __name__ == "__main__":
    main()
