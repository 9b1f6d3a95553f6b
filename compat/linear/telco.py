"""Shared Telco encodings for the compat scripts (reference side only, never the product).

`telco_onehot` is the encoding the logistic-regression and random-forest fixtures use:
numeric columns (senior_citizen, tenure, monthly_charges, total_charges with its 11 blanks
imputed by the median) plus one-hot columns for every categorical column (all levels, sorted).
`telco_numeric` keeps NaN in total_charges and encodes categoricals as sorted ordinal codes
(for the XGBoost/LightGBM importer fixtures, which must exercise missing values).
"""
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
CSV = ROOT / "data" / "raw" / "customer_data.csv"
NUMERIC = ["senior_citizen", "tenure", "monthly_charges", "total_charges"]


def load():
    df = pd.read_csv(CSV)
    y = (df["churn"] == "Yes").astype(np.uint8).to_numpy()
    cats = [c for c in df.columns if c not in NUMERIC + ["customer_id", "churn"]]
    return df, y, cats


def telco_onehot():
    df, y, cats = load()
    cols, names = [], []
    for c in NUMERIC:
        v = df[c].to_numpy(dtype=np.float64)
        if np.isnan(v).any():
            v = np.where(np.isnan(v), np.nanmedian(v), v)
        cols.append(v)
        names.append(c)
    binary = []
    for c in cats:
        levels = sorted(df[c].astype(str).unique())
        for lv in levels:
            cols.append((df[c].astype(str) == lv).to_numpy(dtype=np.float64))
            names.append(f"{c}={lv}")
            binary.append(f"{c}={lv}")
    return np.column_stack(cols), y, names, binary


def telco_numeric():
    df, y, cats = load()
    cols, names = [], []
    for c in NUMERIC:
        cols.append(df[c].to_numpy(dtype=np.float64))
        names.append(c)
    for c in cats:
        levels = sorted(df[c].astype(str).unique())
        codes = {lv: i for i, lv in enumerate(levels)}
        cols.append(df[c].astype(str).map(codes).to_numpy(dtype=np.float64))
        names.append(c)
    return np.column_stack(cols), y, names
