"""bench:drift data: 20 columns (14 numeric, 6 categorical), --rows reference rows and --rows
current rows, seeded; a few columns shifted in the current data. Written once, read by both sides:
<col>.ref.f64 / <col>.cur.f64 (float64 little-endian, NaN = missing) for numeric columns,
<col>.ref.u8 / <col>.cur.u8 (codes, 255 = missing) for categorical ones, and meta.json."""
import argparse
import json
import pathlib

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("--out", required=True)
p.add_argument("--rows", type=int, default=1_000_000)
p.add_argument("--seed", type=int, default=42)
a = p.parse_args()
out = pathlib.Path(a.out)
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(a.seed)
n = a.rows

# name -> (generator(rng, n, shifted) -> array)
numeric = {
    "num_00": lambda s: rng.normal(0 + (0.5 if s else 0), 1, n),  # shifted: mean + 0.5 sd
    "num_01": lambda s: rng.normal(100, 15, n),
    "num_02": lambda s: rng.gamma(2.0, 3.0 * (1.4 if s else 1.0), n),  # shifted: scale x1.4
    "num_03": lambda s: rng.exponential(5.0, n),
    "num_04": lambda s: rng.uniform(0, 10, n),
    "num_05": lambda s: rng.normal(50, 10, n) + (0.3 if s else 0),  # tiny shift (0.03 sd): no drift
    "num_06": lambda s: rng.integers(0, 73, n).astype(np.float64) + (24 if s else 0),  # tenure + 24
    "num_07": lambda s: np.round(rng.normal(65, 30, n), 2) * (1.5 if s else 1.0),  # charges x 1.5
    "num_08": lambda s: rng.lognormal(3, 1, n),
    "num_09": lambda s: rng.integers(0, 1000, n).astype(np.float64),
    "num_10": lambda s: rng.beta(2, 5, n),
    "num_11": lambda s: rng.standard_t(5, n),
    "num_12": lambda s: rng.poisson(4, n).astype(np.float64),
    "num_13": lambda s: rng.normal(0, 1, n),
}
categorical = {
    "cat_00": (["a", "b", "c"], [0.55, 0.21, 0.24], [0.30, 0.35, 0.35]),  # shifted proportions
    "cat_01": (["Female", "Male"], [0.5, 0.5], None),
    "cat_02": (["DSL", "Fiber optic", "No"], [0.34, 0.44, 0.22], None),
    "cat_03": (["Bank", "Card", "Check", "Electronic"], [0.25, 0.25, 0.25, 0.25], None),
    "cat_04": (["x" + str(i) for i in range(12)], [1 / 12] * 12, None),
    "cat_05": (["Yes", "No"], [0.27, 0.73], [0.29, 0.71]),  # small change: no drift
}
meta = {"rows": n, "seed": a.seed, "numeric": list(numeric), "categorical": {}}
for side, shifted in (("ref", False), ("cur", True)):
    for name, gen in numeric.items():
        x = np.asarray(gen(shifted), dtype=np.float64)
        x[rng.choice(n, n // 100, replace=False)] = np.nan  # 1 % missing
        x.astype("<f8").tofile(out / f"{name}.{side}.f64")
    for name, (cats, p_ref, p_cur) in categorical.items():
        probs = p_cur if (shifted and p_cur is not None) else p_ref
        codes = rng.choice(len(cats), n, p=probs).astype(np.uint8)
        codes[rng.choice(n, n // 100, replace=False)] = 255
        codes.tofile(out / f"{name}.{side}.u8")
        meta["categorical"][name] = cats
(out / "meta.json").write_text(json.dumps(meta))
