"""Records scikit-learn's calibration_curve (strategy="uniform"), numpy's linspace and
nanpercentile into libs/reporting/src/charts/__fixtures__/calibration.json for the specs of
libs/reporting (calibrationCurve, linspace, nanPercentile/colorRange of the SHAP beeswarm).

Run: .venv/bin/python compat/reporting/record_calibration.py
"""
import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.calibration import calibration_curve

OUT = Path(__file__).resolve().parents[2] / "libs/reporting/src/charts/__fixtures__/calibration.json"


def case(name, y, p, n_bins):
    prob_true, prob_pred = calibration_curve(y, p, n_bins=n_bins, strategy="uniform")
    return {
        "name": name,
        "nBins": n_bins,
        "yTrue": [int(v) for v in y],
        "yProb": [float(v) for v in p],
        "probTrue": prob_true.tolist(),
        "probPred": prob_pred.tolist(),
    }


rng = np.random.default_rng(7)
cases = []
# a realistic, slightly over-confident model
p = rng.beta(0.8, 2.2, 600)
y = (rng.random(600) < np.clip(p * 1.1, 0, 1)).astype(int)
cases.append(case("beta_600_10bins", y, p, 10))
cases.append(case("beta_600_7bins", y, p, 7))
# probabilities on the bin edges (0.1, 0.3 = 0.30000000000000004 edge, 0.6, 1.0) and 0
edges = np.array([0.0, 0.1, 0.1, 0.2, 0.3, 0.30000000000000004, 0.5, 0.6, 0.6000000000000001, 0.7, 0.9, 1.0, 1.0, 0.05, 0.95])
y_edges = np.array([0, 0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 0, 1])
cases.append(case("edge_values_10bins", y_edges, edges, 10))
# empty bins: everything below 0.3 or above 0.8
p2 = np.concatenate([rng.uniform(0, 0.3, 40), rng.uniform(0.8, 1.0, 25)])
y2 = (rng.random(65) < p2).astype(int)
cases.append(case("empty_bins_10bins", y2, p2, 10))

percentile_inputs = [
    rng.normal(size=101).tolist(),
    [0.0] * 90 + [1.0] * 10,
    [0.0] * 97 + [1.0] * 3,
    [1.0, float("nan"), 3.0, 2.0, float("nan"), 10.0],
]
percentiles = []
for a in percentile_inputs:
    arr = np.asarray(a, dtype=float)
    percentiles.append(
        {
            "values": [None if np.isnan(v) else v for v in a],
            "q": [0, 1, 5, 50, 95, 99, 100],
            "result": [float(np.nanpercentile(arr, q)) for q in [0, 1, 5, 50, 95, 99, 100]],
        }
    )

doc = {
    "recordedWith": {"numpy": np.__version__, "sklearn": sklearn.__version__},
    "linspace": {str(n): np.linspace(0, 1, n + 1).tolist() for n in (5, 7, 10, 20)},
    "calibration": cases,
    "nanpercentile": percentiles,
}
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps(doc) + "\n")
print(f"wrote {OUT}")
