"""Records drift-test fixtures from scipy and Evidently for libs/drift's parity specs.

Run: bash compat/drift/py-env.sh && compat/drift/.venv/bin/python compat/drift/record_fixtures.py
(Evidently 0.7 does not import under pandas 3, hence its own venv; see requirements.txt.)
Writes libs/drift/src/__fixtures__/{special,ks,stattests,report}.json. Sample values are rounded
to 4 decimals before use so the JSON holds exactly the numbers scipy / Evidently saw.
"""
import json
import math
import pathlib
import warnings

import evidently
import numpy as np
import pandas as pd
import scipy
from scipy import special, stats

from evidently import DataDefinition, Dataset, Report
from evidently.legacy.calculations.stattests import (
    chi_stat_test,
    jensenshannon_stat_test,
    kl_div_stat_test,
    ks_stat_test,
    psi_stat_test,
    wasserstein_stat_test,
    z_stat_test,
)
from evidently.legacy.core import ColumnType
from evidently.presets import DataDriftPreset

warnings.filterwarnings("ignore")
OUT = pathlib.Path(__file__).resolve().parents[2] / "libs" / "drift" / "src" / "__fixtures__"
OUT.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(20261126)
VERSIONS = {"scipy": scipy.__version__, "evidently": evidently.__version__, "numpy": np.__version__, "pandas": pd.__version__}


def r4(x):
    return np.round(np.asarray(x, dtype=float), 4)


def num(x):
    """JSON-safe float (Infinity / NaN as strings)."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def dump(name, obj):
    (OUT / name).write_text(json.dumps(obj, separators=(",", ":")) + "\n")
    print(name, (OUT / name).stat().st_size, "bytes")


# ---------------------------------------------------------------------------------------------
# Special functions: kstwo.sf over every algorithm branch, smirnov, chi2.sf, norm.cdf.
kstwo = []
for n in [1, 2, 5, 10, 50, 100, 140, 141, 300, 1000, 5000, 20000, 100000, 100001, 500000]:
    for x in [0.001, 0.004, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.45, 0.5, 0.6, 0.8, 0.95, 0.999]:
        kstwo.append({"n": n, "x": x, "sf": num(stats.kstwo.sf(x, n))})
smirnov = []
for n in [1, 2, 3, 10, 57, 140, 500, 5000, 100000]:
    for x in [0.0001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.7, 0.9, 0.99]:
        smirnov.append({"n": n, "x": x, "sf": num(special.smirnov(n, x))})
chi2 = []
for df in [1, 2, 3, 4, 7, 10, 29, 100, 999]:
    for x in [0.0, 0.001, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 100.0, 500.0, 1200.0]:
        chi2.append({"df": df, "x": x, "sf": num(stats.chi2.sf(x, df))})
normal = [{"x": x, "cdf": num(stats.norm.cdf(x))} for x in [-40, -10, -5, -3, -1.5, -0.7, -0.1, 0, 0.3, 1, 2, 4, 7, 9]]
dump("special.json", {"versions": VERSIONS, "kstwo": kstwo, "smirnov": smirnov, "chi2": chi2, "normal": normal})

# ---------------------------------------------------------------------------------------------
# ks_2samp: exact (equal / unequal sizes, ties), exact above 1000 rows, asymptotic.
ks_cases = []


def ks_case(name, a, b):
    a, b = r4(a), r4(b)
    res = stats.ks_2samp(a, b)
    ks_cases.append({"name": name, "a": a.tolist(), "b": b.tolist(), "statistic": num(res.statistic), "pValue": num(res.pvalue)})


ks_case("equal-n-unshifted", rng.normal(size=60), rng.normal(size=60))
ks_case("equal-n-shifted", rng.normal(size=80), rng.normal(0.6, size=80))
ks_case("unequal-unshifted", rng.normal(size=73), rng.normal(size=121))
ks_case("unequal-shifted", rng.normal(size=150), rng.normal(0.4, 1.3, size=97))
ks_case("ties-integers", rng.integers(0, 8, 200), rng.integers(0, 9, 170))
ks_case("tiny", [1.0, 2.0, 3.0], [2.5, 4.0])
ks_case("identical", np.arange(30.0), np.arange(30.0))
ks_case("disjoint", rng.normal(size=40), rng.normal(10, size=35))
ks_case("exact-large-unshifted", rng.normal(size=1500), rng.normal(size=2300))
ks_case("exact-large-shifted", rng.exponential(size=3000), rng.exponential(1.1, size=2000))
ks_case("exact-10000-vs-400", rng.normal(size=10000), rng.normal(0.05, size=400))
ks_case("asymp-12000-vs-500", rng.normal(size=12000), rng.normal(0.1, size=500))
ks_case("asymp-15000-vs-15000", rng.normal(size=15000), rng.normal(0.01, size=15000))
ks_case("asymp-strong", rng.normal(size=11000), rng.normal(0.5, size=900))
dump("ks.json", {"versions": VERSIONS, "cases": ks_cases})

# ---------------------------------------------------------------------------------------------
# Evidently's stattests one by one (drift_score = p-value or distance).
STATTESTS = {
    "ks": ks_stat_test,
    "chisquare": chi_stat_test,
    "z": z_stat_test,
    "wasserstein": wasserstein_stat_test,
    "jensenshannon": jensenshannon_stat_test,
    "psi": psi_stat_test,
    "kl_div": kl_div_stat_test,
}
stat_cases = []


def stat_case(name, tests, ref, cur, kind):
    if kind == "numeric":
        ref_s, cur_s = pd.Series(r4(ref)), pd.Series(r4(cur))
        ctype = ColumnType.Numerical
    else:
        ref_s, cur_s = pd.Series(list(ref), dtype=object), pd.Series(list(cur), dtype=object)
        ctype = ColumnType.Categorical
    results = {}
    for t in tests:
        res = STATTESTS[t](ref_s, cur_s, ctype, None)
        results[t] = {"score": num(res.drift_score), "drifted": bool(res.drifted), "threshold": res.actual_threshold}
    stat_cases.append(
        {
            "name": name,
            "kind": kind,
            "reference": ref_s.tolist(),
            "current": cur_s.tolist(),
            "results": results,
        }
    )


ALL_NUM = ["ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi", "kl_div"]
DIST = ["wasserstein", "jensenshannon", "psi", "kl_div", "ks"]
stat_cases_spec = [
    ("numeric-continuous-unshifted", DIST, rng.normal(size=2000), rng.normal(size=1800), "numeric"),
    ("numeric-continuous-shifted", DIST, rng.normal(size=2500), rng.normal(0.3, 1.2, size=2100), "numeric"),
    ("numeric-small-shifted", DIST, rng.gamma(2.0, size=300), rng.gamma(2.6, size=250), "numeric"),
    ("numeric-outliers", DIST, np.concatenate([rng.normal(size=1200), [50.0, -40.0]]), rng.normal(size=1100), "numeric"),
    ("numeric-15-values", ["psi", "kl_div", "jensenshannon", "chisquare"], rng.integers(0, 15, 1500), rng.integers(0, 17, 1400), "numeric"),
    ("numeric-4-values", ["chisquare", "jensenshannon", "psi", "kl_div"], rng.integers(0, 4, 900), rng.choice(4, 700, p=[0.4, 0.3, 0.2, 0.1]), "numeric"),
    ("numeric-binary", ["z", "jensenshannon", "psi", "kl_div"], rng.integers(0, 2, 800), rng.choice(2, 600, p=[0.35, 0.65]), "numeric"),
    ("numeric-constant-same", ["z"], np.ones(50), np.ones(40), "numeric"),
    ("categorical-3-unshifted", ["chisquare", "jensenshannon", "psi", "kl_div"], rng.choice(["a", "b", "c"], 700), rng.choice(["a", "b", "c"], 650), "categorical"),
    ("categorical-5-shifted", ["chisquare", "jensenshannon", "psi", "kl_div"], rng.choice(list("vwxyz"), 1500), rng.choice(list("vwxyz"), 1200, p=[0.3, 0.3, 0.2, 0.1, 0.1]), "categorical"),
    ("categorical-new-category", ["chisquare", "jensenshannon", "psi", "kl_div"], rng.choice(["a", "b", "c"], 400), rng.choice(["a", "b", "c", "d"], 300), "categorical"),
    ("categorical-rare-category", ["psi", "kl_div", "jensenshannon"], np.array(["a"] * 20000 + ["b"] * 20000 + ["c"]), np.array(["a"] * 300 + ["b"] * 100), "categorical"),
    ("categorical-binary-unshifted", ["z", "jensenshannon"], rng.choice(["No", "Yes"], 500, p=[0.73, 0.27]), rng.choice(["No", "Yes"], 450, p=[0.73, 0.27]), "categorical"),
    ("categorical-binary-shifted", ["z", "jensenshannon", "psi"], rng.choice(["No", "Yes"], 500, p=[0.73, 0.27]), rng.choice(["No", "Yes"], 450, p=[0.6, 0.4]), "categorical"),
]
for spec in stat_cases_spec:
    stat_case(*spec)
dump("stattests.json", {"versions": VERSIONS, "cases": stat_cases})

# ---------------------------------------------------------------------------------------------
# Whole reports through Evidently 0.7's Report([DataDriftPreset(...)]).
METHOD_NAMES = {
    "K-S p_value": "ks",
    "chi-square p_value": "chisquare",
    "Z-test p_value": "z",
    "Wasserstein distance (normed)": "wasserstein",
    "Jensen-Shannon distance": "jensenshannon",
    "PSI": "psi",
    "Kullback-Leibler divergence": "kl_div",
}


def make_table(n, shift):
    contract_p = [0.55, 0.21, 0.24] if not shift else [0.4, 0.3, 0.3]
    t = {
        "tenure": r4(rng.integers(0, 73, n) + (5 if shift else 0)),
        "monthly_charges": r4(rng.normal(65 + (8 if shift else 0), 30, n)),
        "total_charges": r4(rng.gamma(1.2, 1900, n)),
        "senior_citizen": r4(rng.choice(2, n, p=[0.84, 0.16])),
        "num_services": r4(rng.integers(0, 4, n)),
        "contract": np.array(rng.choice(["Month-to-month", "One year", "Two year"], n, p=contract_p), dtype=object),
        "gender": np.array(rng.choice(["Female", "Male"], n), dtype=object),
        "payment_method": np.array(rng.choice(["Bank", "Card", "Check", "Electronic"], n), dtype=object),
    }
    df = pd.DataFrame(t)
    # Missing values: Evidently drops them before testing.
    df.loc[rng.choice(n, max(1, n // 50), replace=False), "total_charges"] = np.nan
    df.loc[rng.choice(n, max(1, n // 60), replace=False), "payment_method"] = None
    return df


NUMERIC = ["tenure", "monthly_charges", "total_charges", "senior_citizen", "num_services"]
CATEGORICAL = ["contract", "gender", "payment_method"]


def column_json(df, c):
    if c in NUMERIC:
        return ["NaN" if (isinstance(v, float) and math.isnan(v)) else v for v in df[c].astype(float).tolist()]
    return [None if (v is None or (isinstance(v, float) and math.isnan(v))) else v for v in df[c].tolist()]


def report_case(name, ref, cur, preset_kwargs, options):
    dd = DataDefinition(numerical_columns=NUMERIC, categorical_columns=CATEGORICAL)
    snap = Report([DataDriftPreset(**preset_kwargs)]).run(Dataset.from_pandas(cur, data_definition=dd), Dataset.from_pandas(ref, data_definition=dd))
    d = snap.dict()
    columns = {}
    share = None
    count = None
    for m in d["metrics"]:
        cfg = m["config"]
        if cfg["type"].endswith("ValueDrift"):
            columns[cfg["column"]] = {"test": METHOD_NAMES.get(cfg["method"], cfg["method"]), "threshold": cfg["threshold"], "score": num(m["value"])}
        elif cfg["type"].endswith("DriftedColumnsCount"):
            share, count = m["value"]["share"], m["value"]["count"]
    return {
        "name": name,
        "options": options,
        "reference": {c: column_json(ref, c) for c in NUMERIC + CATEGORICAL},
        "current": {c: column_json(cur, c) for c in NUMERIC + CATEGORICAL},
        "columns": columns,
        "driftedShare": share,
        "driftedCount": count,
    }


reports = []
ref_small = make_table(600, False)
reports.append(report_case("small-unshifted", ref_small, make_table(500, False), {}, {}))
reports.append(report_case("small-shifted", ref_small, make_table(500, True), {}, {}))
ref_large = make_table(4000, False)
reports.append(report_case("large-unshifted", ref_large, make_table(3000, False), {}, {}))
reports.append(report_case("large-shifted", ref_large, make_table(3000, True), {}, {}))
reports.append(
    report_case(
        "large-per-column",
        ref_large,
        make_table(3000, True),
        {"per_column_method": {"monthly_charges": "psi", "contract": "chisquare", "tenure": "ks"}, "per_column_threshold": {"monthly_charges": 0.2, "tenure": 0.01}},
        {"columnTests": {"monthly_charges": {"test": "psi", "threshold": 0.2}, "contract": {"test": "chisquare"}, "tenure": {"test": "ks", "threshold": 0.01}}},
    )
)
dump("report.json", {"versions": VERSIONS, "cases": reports})
