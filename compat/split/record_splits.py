"""Records scikit-learn's stratified split sizes and per-class counts (train_test_split with
stratify, twice, like the seed's prepare_data) and StratifiedKFold folds into
libs/ml/src/split/__fixtures__/sklearn-splits.json for the TypeScript specs.

Run: .venv/bin/python compat/split/record_splits.py
"""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.model_selection import StratifiedKFold, train_test_split

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "libs/ml/src/split/__fixtures__/sklearn-splits.json"


def counts(y, idx, classes):
    return [int((y[idx] == c).sum()) for c in classes]


def three_way(name, y, test_size, validation_size, seed=42):
    classes = sorted(set(y.tolist()))
    idx = np.arange(len(y))
    rest, test = train_test_split(idx, test_size=test_size, stratify=y, random_state=seed)
    out = {"name": name, "y": y.tolist(), "test_size": test_size, "validation_size": validation_size, "classes": classes,
           "test": counts(y, test, classes)}
    if validation_size is None:
        out["train"] = counts(y, rest, classes)
        out["validation"] = [0] * len(classes)
    else:
        train, val = train_test_split(rest, test_size=validation_size, stratify=y[rest], random_state=seed)
        out["train"] = counts(y, train, classes)
        out["validation"] = counts(y, val, classes)
    return out


def kfold(name, y, k):
    classes = sorted(set(y.tolist()))
    plain = [test.tolist() for _, test in StratifiedKFold(n_splits=k).split(np.zeros(len(y)), y)]
    shuffled = [counts(y, test, classes) for _, test in StratifiedKFold(n_splits=k, shuffle=True, random_state=0).split(np.zeros(len(y)), y)]
    return {"name": name, "y": y.tolist(), "k": k, "classes": classes, "test_folds": plain, "shuffled_test_counts": shuffled}


def main():
    telco = pd.read_csv(ROOT / "data/raw/customer_data.csv")
    y_telco = (telco["churn"] == "Yes").astype(int).to_numpy()
    rng = np.random.default_rng(7)
    y_small = np.array([1] * 10 + [0] * 43)
    rng.shuffle(y_small)
    y_three = rng.choice([0, 1, 2], size=101, p=[0.5, 0.3, 0.2])
    y_odd = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0])
    doc = {
        "sklearn_version": sklearn.__version__,
        "splits": [
            three_way("telco_60_20_20", y_telco, 0.2, 0.25),
            three_way("telco_64_16_20", y_telco, 0.2, 0.2),
            three_way("telco_80_20", y_telco, 0.2, None),
            three_way("small_imbalanced", y_small, 0.3, 0.2),
            three_way("three_classes", y_three, 0.25, 0.3),
        ],
        "kfolds": [
            kfold("telco_5", y_telco, 5),
            kfold("small_3", y_small, 3),
            kfold("three_classes_4", y_three, 4),
            kfold("odd_first_label_1", y_odd, 3),
        ],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} (sklearn {sklearn.__version__})")


if __name__ == "__main__":
    main()
