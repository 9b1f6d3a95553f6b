"""bench:tuning, the anchor: Optuna (PyPI) TPESampler(seed) + MedianPruner over the same search
space (config xgboost section, read from meta.json), each trial fitting xgboost.XGBClassifier
(tree_method=hist, one thread) on the IDENTICAL training rows and numbers (prepare.js output),
reporting validation ROC-AUC per boosting round to the pruner (like optuna-integration's
XGBoostPruningCallback), early stopping on validation logloss after --early-stopping rounds.
The best trial's parameters are refitted to score the test split. Prints one JSON line.

Usage: python tune_optuna.py --data DIR --seed 0 [--trials 50] [--workers 1] [--early-stopping 20]
"""
import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import optuna
import xgboost as xgb
from sklearn.metrics import roc_auc_score


def load(d):
    meta = json.loads(Path(d, "meta.json").read_text())
    split = json.loads(Path(d, "split.json").read_text())
    rows, cols = meta["rows"], len(meta["columns"])
    x = np.ascontiguousarray(np.fromfile(os.path.join(d, "x.f64"), dtype=np.float64).reshape(cols, rows).T)
    y = np.fromfile(os.path.join(d, "y.u8"), dtype=np.uint8)
    parts = {k: (np.ascontiguousarray(x[split[k]]), y[split[k]]) for k in ("train", "validation", "test")}
    return meta, parts


def suggest(trial, space):
    out = {}
    for name, d in space.items():
        if d["type"] == "int":
            out[name] = trial.suggest_int(name, d["low"], d["high"], log=d.get("log", False), step=d.get("step", 1))
        elif d["type"] == "float":
            out[name] = trial.suggest_float(name, d["low"], d["high"], log=d.get("log", False))
        else:
            out[name] = trial.suggest_categorical(name, d["choices"])
    return out


class PruningCallback(xgb.callback.TrainingCallback):
    def __init__(self, trial):
        self.trial = trial

    def after_iteration(self, model, epoch, evals_log):
        auc = evals_log["validation_0"]["auc"][-1]
        self.trial.report(auc, epoch)
        if self.trial.should_prune():
            raise optuna.TrialPruned(f"trial pruned at round {epoch}")
        return False


def make(params, seed, es, callbacks=None):
    return xgb.XGBClassifier(
        tree_method="hist",
        n_jobs=1,
        random_state=seed,
        early_stopping_rounds=es,
        eval_metric=["auc", "logloss"],  # early stopping on the last one: logloss
        callbacks=callbacks,
        **params,
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--trials", type=int, default=50)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--early-stopping", type=int, default=20)
    a = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    meta, parts = load(a.data)
    (xt, yt), (xv, yv), (xs, ys) = parts["train"], parts["validation"], parts["test"]
    space = meta["searchSpace"]

    def objective(trial):
        params = suggest(trial, space)
        model = make(params, a.seed, a.early_stopping, [PruningCallback(trial)])
        model.fit(xt, yt, eval_set=[(xv, yv)], verbose=False)
        return roc_auc_score(yv, model.predict_proba(xv)[:, 1])

    t0 = time.perf_counter()
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=a.seed), pruner=optuna.pruners.MedianPruner())
    study.optimize(objective, n_trials=a.trials, n_jobs=a.workers)
    seconds = time.perf_counter() - t0
    best = study.best_trial
    model = make(best.params, a.seed, a.early_stopping)
    model.fit(xt, yt, eval_set=[(xv, yv)], verbose=False)
    test_auc = roc_auc_score(ys, model.predict_proba(xs)[:, 1])
    states = [t.state for t in study.trials]
    print(json.dumps({
        "bench": "tuning", "impl": "optuna", "seed": a.seed, "best_valid_auc": best.value, "test_auc_of_best": test_auc,
        "seconds": seconds, "trials": len(states), "pruned": states.count(optuna.trial.TrialState.PRUNED),
        "failed": states.count(optuna.trial.TrialState.FAIL), "workers": a.workers,
        "optuna": optuna.__version__, "xgboost": xgb.__version__, "best_params": best.params,
    }), flush=True)


if __name__ == "__main__":
    main()
