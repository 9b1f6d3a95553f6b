"""bench:drift, Evidently's side: DataDriftPreset (Evidently 0.7, default stattests and drift share)
on the data written by generate.py. Prints one JSON line: seconds of Report.run (data loading
excluded), peak RSS of this process, and the drifted columns."""
import argparse
import json
import pathlib
import resource
import time
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
import evidently  # noqa: E402
from evidently import DataDefinition, Dataset, Report  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--data", required=True)
a = p.parse_args()
d = pathlib.Path(a.data)
meta = json.loads((d / "meta.json").read_text())


def load(side):
    cols = {}
    for name in meta["numeric"]:
        cols[name] = np.fromfile(d / f"{name}.{side}.f64", dtype="<f8")
    for name, cats in meta["categorical"].items():
        codes = np.fromfile(d / f"{name}.{side}.u8", dtype=np.uint8)
        lookup = np.array(cats + [None] * (256 - len(cats)), dtype=object)
        cols[name] = lookup[codes]
    return pd.DataFrame(cols)


t_load = time.perf_counter()
ref, cur = load("ref"), load("cur")
load_s = time.perf_counter() - t_load
dd = DataDefinition(numerical_columns=meta["numeric"], categorical_columns=list(meta["categorical"]))
t0 = time.perf_counter()
snap = Report([DataDriftPreset()]).run(Dataset.from_pandas(cur, data_definition=dd), Dataset.from_pandas(ref, data_definition=dd))
res = snap.dict()
seconds = time.perf_counter() - t0
drifted, methods, share = [], {}, None
for m in res["metrics"]:
    cfg = m["config"]
    if cfg["type"].endswith("ValueDrift"):
        methods[cfg["column"]] = cfg["method"]
        v = m["value"]
        is_p = "p_value" in cfg["method"]
        if (v < cfg["threshold"]) if is_p else (v >= cfg["threshold"]):
            drifted.append(cfg["column"])
    elif cfg["type"].endswith("DriftedColumnsCount"):
        share = m["value"]["share"]
print(json.dumps({
    "bench": "drift", "side": "evidently", "version": evidently.__version__, "rows": meta["rows"],
    "columns": len(methods), "seconds": round(seconds, 3), "load_seconds": round(load_s, 3),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    "drifted": sorted(drifted), "drifted_share": share,
    "methods": sorted(set(methods.values())),
}))
