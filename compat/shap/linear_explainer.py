"""Record shap.LinearExplainer reference values for libs/training/src/explain (linear SHAP of a
registered logistic regression, explained in serving).

Run: .venv/bin/python compat/shap/linear_explainer.py
Writes libs/training/src/explain/__fixtures__/linear-shap.json: a scikit-learn LogisticRegression
fitted on a synthetic problem with correlated features (so "independent features" matters), the
training matrix (the background), test rows, and shap's values:
- `explainer = shap.LinearExplainer(model, shap.maskers.Independent(X_train, max_samples=len(X_train)))`
  (interventional: independent features, background = the mean of every training row; plain
  `LinearExplainer(model, X_train)` would summarize the background to a 100-row sample, whose
  mean is not the training mean);
- `expectedValue` = explainer.expected_value, `values` = explainer.shap_values(X_test) (log-odds);
- `margin` = model.decision_function(X_test).
Numbers are written with repr (shortest round trip), so the fixture holds the float64 values exactly.
"""
import json
from pathlib import Path

import numpy as np
import shap
import sklearn
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "libs" / "training" / "src" / "explain" / "__fixtures__" / "linear-shap.json"


def main() -> None:
    rng = np.random.default_rng(7)
    n, p = 400, 6
    z = rng.normal(size=(n, p))
    X = z.copy()
    X[:, 1] = 0.8 * z[:, 0] + 0.6 * z[:, 1]  # correlated with column 0
    X[:, 4] = (z[:, 4] > 0.3).astype(float)  # a 0/1 column, as one-hot outputs are
    X[:, 5] = 3.0 + 2.5 * z[:, 5]  # not centred
    logit = 0.7 * X[:, 0] - 1.1 * X[:, 1] + 0.4 * X[:, 3] + 0.9 * X[:, 4] - 0.2 * X[:, 5]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    X_train, X_test = X[:300], X[300:340]
    model = LogisticRegression(C=1.0, max_iter=1000).fit(X_train, y[:300])
    explainer = shap.LinearExplainer(model, shap.maskers.Independent(X_train, max_samples=len(X_train)))
    values = explainer.shap_values(X_test)
    out = {
        "versions": {"shap": shap.__version__, "sklearn": sklearn.__version__, "numpy": np.__version__},
        "coef": model.coef_[0].tolist(),
        "intercept": float(model.intercept_[0]),
        "xTrain": X_train.tolist(),
        "xTest": X_test.tolist(),
        "expectedValue": float(np.ravel(explainer.expected_value)[0]),
        "values": np.asarray(values).tolist(),
        "margin": model.decision_function(X_test).tolist(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(X_test)} rows, {p} features")


if __name__ == "__main__":
    main()
