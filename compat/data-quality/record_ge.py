"""Runs expectation suites with Great Expectations 1.x and records the results for
libs/data-quality's parity specs.

Run: .venv/bin/python compat/data-quality/record_ge.py
Writes libs/data-quality/src/__fixtures__/ge-results.json: for the Telco suite on
data/raw/customer_data.csv and for a small edge-case suite on a hand-made table, each
expectation's success, unexpected_count, unexpected_percent, missing_count, observed_value and
partial_unexpected_list as GE reports them (result_format SUMMARY).
"""
import json
import math
import pathlib
import warnings

import great_expectations as gx
import numpy as np
import pandas as pd
import yaml
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

warnings.filterwarnings("ignore")
ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "libs" / "data-quality" / "src" / "__fixtures__" / "ge-results.json"


def clean(x):
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return clean(float(x))
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    return x


def run(df, expectations):
    context = gx.get_context(mode="ephemeral")
    batch = context.data_sources.add_pandas("p").add_dataframe_asset("a").add_batch_definition_whole_dataframe("b").get_batch(batch_parameters={"dataframe": df})
    out = []
    for e in expectations:
        kwargs = dict(e["kwargs"])
        exp = ExpectationConfiguration(type=e["type"], kwargs=kwargs).to_domain_obj()
        r = batch.validate(exp, result_format="SUMMARY").to_json_dict()
        res = r.get("result", {})
        keep = {k: clean(res.get(k)) for k in ["element_count", "unexpected_count", "unexpected_percent", "missing_count", "observed_value", "partial_unexpected_list"] if k in res}
        out.append({"type": e["type"], "kwargs": e["kwargs"], "success": bool(r["success"]), "result": keep, "raised": bool(r.get("exception_info", {}).get("raised_exception", False))})
    return out


suite = yaml.safe_load((ROOT / "config" / "data-quality" / "customer_data.suite.yaml").read_text())
telco = pd.read_csv(ROOT / "data" / "raw" / "customer_data.csv")
telco_results = run(telco, suite["expectations"])

# A broken copy of the Telco data: the same suite must fail where we broke it.
broken = telco.head(500).copy()
broken.loc[0:4, "tenure"] = [-1, 101, 150, 5, 7]
broken.loc[10:13, "contract"] = ["Monthly", "1 year", None, "Two year"]
broken.loc[20:22, "customer_id"] = broken.loc[30, "customer_id"]
broken.loc[40:49, "total_charges"] = 1.0
broken.loc[60:61, "monthly_charges"] = [0.0, np.nan]
# (GE 1.24 resolves a renamed column case-insensitively -- "churn" finds "Churn"; we match
# names exactly, so the schema break here is an extra column instead.)
broken["extra"] = 1
broken_results = run(broken, suite["expectations"])

# Edge cases: missing values and mostly, strict bounds, regex, pair ignore rules, compound unique, aggregates.
edge = pd.DataFrame(
    {
        "a": [1.0, 2.0, 2.0, np.nan, 5.0, 10.0, np.nan, 3.5],
        "b": [0.5, 2.0, 3.0, 1.0, np.nan, np.nan, np.nan, 3.5],
        "s": ["x1", "y2", None, "x3", "zz", "x1", "x10", None],
        "k1": ["p", "p", "q", "q", "p", None, None, "q"],
        "k2": [1, 1, 2, 3, 2, 1, 1, 2],
    }
)
edge_exps = [
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "a", "min_value": 2, "max_value": 5}},
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "a", "min_value": 2, "max_value": 5, "strict_min": True, "mostly": 0.5}},
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "a", "max_value": 3.5, "strict_max": True}},
    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a", "mostly": 0.7}},
    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "s"}},
    {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "a"}},
    {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "s", "mostly": 0.6}},
    {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "s", "value_set": ["x1", "x3", "zz"]}},
    {"type": "expect_column_values_to_match_regex", "kwargs": {"column": "s", "regex": "^x\\d$"}},
    {"type": "expect_column_values_to_match_regex", "kwargs": {"column": "s", "regex": "1"}},
    {"type": "expect_column_pair_values_a_to_be_greater_than_b", "kwargs": {"column_A": "a", "column_B": "b"}},
    {"type": "expect_column_pair_values_a_to_be_greater_than_b", "kwargs": {"column_A": "a", "column_B": "b", "or_equal": True}},
    {"type": "expect_column_pair_values_a_to_be_greater_than_b", "kwargs": {"column_A": "a", "column_B": "b", "or_equal": True, "ignore_row_if": "either_value_is_missing"}},
    {"type": "expect_column_pair_values_a_to_be_greater_than_b", "kwargs": {"column_A": "a", "column_B": "b", "or_equal": True, "ignore_row_if": "neither"}},
    {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["k1", "k2"]}},
    {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["k1", "k2"], "ignore_row_if": "any_value_is_missing"}},
    {"type": "expect_column_min_to_be_between", "kwargs": {"column": "a", "min_value": 1, "max_value": 1}},
    {"type": "expect_column_max_to_be_between", "kwargs": {"column": "a", "min_value": 11}},
    {"type": "expect_column_mean_to_be_between", "kwargs": {"column": "a", "min_value": 3, "max_value": 4}},
    {"type": "expect_column_median_to_be_between", "kwargs": {"column": "a", "min_value": 2.5, "max_value": 3}},
    {"type": "expect_column_stdev_to_be_between", "kwargs": {"column": "a", "min_value": 3, "max_value": 3.5}},
    {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 9}},
    {"type": "expect_table_columns_to_match_set", "kwargs": {"column_set": ["a", "b", "s"], "exact_match": False}},
    {"type": "expect_table_columns_to_match_set", "kwargs": {"column_set": ["a", "b", "s"]}},
    {"type": "expect_column_to_exist", "kwargs": {"column": "nope"}},
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "a", "min_value": 2, "row_condition": "b >= 1", "condition_parser": "pandas"}},
]
edge_results = run(edge, edge_exps)
edge_json = {c: [clean(v) for v in edge[c].tolist()] for c in edge.columns}

OUT.write_text(
    json.dumps(
        {
            "great_expectations": gx.__version__,
            "pandas": pd.__version__,
            "telco": telco_results,
            "broken": {"changes": "see compat/data-quality/record_ge.py", "results": broken_results, "table": {c: [clean(v) for v in broken[c].tolist()] for c in broken.columns}},
            "edge": {"table": edge_json, "results": edge_results},
        },
        indent=1,
    )
    + "\n"
)
print("wrote", OUT, OUT.stat().st_size, "bytes")
for name, res in [("telco", telco_results), ("broken", broken_results), ("edge", edge_results)]:
    print(name, [(r["type"][7:40], r["success"], r["result"].get("unexpected_count"), r["raised"]) for r in res])

# Profile of the Telco data with pandas / numpy (count, missing, distinct, min, max, mean,
# std ddof=1, linear quantiles, np.histogram 10 bins, top values).
profile = {}
for c in telco.columns:
    s = telco[c]
    p = {"missing": int(s.isna().sum()), "distinct": int(s.nunique()), "top": [[clean(k), int(v)] for k, v in s.value_counts().head(3).items()]}
    if pd.api.types.is_numeric_dtype(s):
        x = s.dropna().astype(float)
        counts, edges = np.histogram(x, bins=10)
        p.update(
            {
                "min": float(x.min()),
                "max": float(x.max()),
                "mean": float(x.mean()),
                "std": float(x.std()),
                "quantiles": [float(v) for v in x.quantile([0.05, 0.25, 0.5, 0.75, 0.95])],
                "histogram": {"edges": [float(e) for e in edges], "counts": [int(k) for k in counts]},
            }
        )
    profile[c] = p
PROFILE_OUT = OUT.parent / "pandas-profile.json"
PROFILE_OUT.write_text(json.dumps({"pandas": pd.__version__, "rows": len(telco), "columns": profile}, indent=1) + "\n")
print("wrote", PROFILE_OUT)
