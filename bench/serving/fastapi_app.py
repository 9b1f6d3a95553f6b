"""The seed's serving stack as the anchor: FastAPI + uvicorn + xgboost (PyPI), the same Telco train
split (stratified 80/20, seed 42, as the TypeScript side), the seed's derived features and one-hot
encoding with pandas, XGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.1). POST /predict
takes {"customer": {...raw columns}} and answers probability and label, one DataFrame per request.
    python fastapi_app.py --port 31991 --csv data/raw/customer_data.csv
"""
import argparse

import numpy as np
import pandas as pd
import uvicorn
import xgboost as xgb
from fastapi import FastAPI
from pydantic import BaseModel
from sklearn.model_selection import train_test_split

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--csv", required=True)
args = parser.parse_args()

raw = pd.read_csv(args.csv)
raw["total_charges"] = pd.to_numeric(raw["total_charges"], errors="coerce")
y = (raw.pop("churn") == "Yes").astype(int)
raw = raw.drop(columns=["customer_id"])
train_x, _, train_y, _ = train_test_split(raw, y, test_size=0.2, stratify=y, random_state=42)
median_charges = float(train_x["monthly_charges"].median())


def features(df: pd.DataFrame) -> pd.DataFrame:
    """The seed's derived features (libs/ml TELCO_FEATURES), then one-hot with pandas."""
    df = df.copy()
    df["tenure_category"] = pd.cut(df["tenure"], bins=[0, 12, 24, 48, np.inf], labels=["New", "Medium", "Long", "Very_Long"]).astype(str)
    df["total_amount"] = df["tenure"] * df["monthly_charges"]
    df["avg_monthly_charges"] = df["monthly_charges"] / (df["tenure"] + 1)
    df["is_high_risk"] = ((df["contract"] == "Month-to-month") & (df["monthly_charges"] > median_charges)).astype(int)
    return pd.get_dummies(df, dtype=float)


x = features(train_x)
columns = x.columns
model = xgb.XGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.1, random_state=42, n_jobs=1)
model.fit(x, train_y)
threshold = 0.5

app = FastAPI()


class Request(BaseModel):
    customer: dict


@app.post("/predict")
def predict(request: Request):
    row = features(pd.DataFrame([request.customer])).reindex(columns=columns, fill_value=0.0)
    p = float(model.predict_proba(row)[0, 1])
    return {"probability": p, "label": int(p >= threshold), "modelName": "churn-predictor", "modelVersion": 1}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
