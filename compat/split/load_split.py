"""Reads a split written by `exportSplit` (libs/ml/src/split/stratified.ts) so Python anchors
train and evaluate on the identical rows:

    from compat.split.load_split import load_split   # or importlib with the file path
    split = load_split("reports/telco-split.json")
    X_train, y_train = X.iloc[split["train"]], y[split["train"]]
"""
import json
from pathlib import Path

import numpy as np


def load_split(path):
    doc = json.loads(Path(path).read_text())
    if doc.get("formatVersion") != 1:
        raise ValueError(f"{path}: unsupported split formatVersion {doc.get('formatVersion')!r}, expected 1")
    out = {part: np.asarray(doc[part], dtype=np.int64) for part in ("train", "validation", "test")}
    seen = np.concatenate(list(out.values()))
    if len(np.unique(seen)) != len(seen):
        raise ValueError(f"{path}: a row index appears in more than one part")
    if len(seen) and (seen.min() < 0 or seen.max() >= doc["nRows"]):
        raise ValueError(f"{path}: row indices must be in [0, {doc['nRows']})")
    out["nRows"] = doc["nRows"]
    return out
