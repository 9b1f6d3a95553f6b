"""bench:tuning summary: reads the per-seed JSON lines on stdin, prints one line with the medians
per implementation and whether the goal holds (ours >= optuna - 0.002 in less time)."""
import json
import statistics
import sys

rows = [json.loads(l) for l in sys.stdin if l.strip().startswith("{")]
rows = [r for r in rows if r.get("bench") == "tuning" and "impl" in r]
out = {"bench": "tuning", "summary": True}
for impl in ("ours", "optuna"):
    rs = [r for r in rows if r["impl"] == impl]
    if not rs:
        continue
    out[impl] = {
        "seeds": len(rs),
        "median_best_valid_auc": statistics.median(r["best_valid_auc"] for r in rs),
        "median_test_auc_of_best": statistics.median(r["test_auc_of_best"] for r in rs),
        "median_seconds": statistics.median(r["seconds"] for r in rs),
        "median_pruned": statistics.median(r["pruned"] for r in rs),
    }
if "ours" in out and "optuna" in out:
    o, p = out["ours"], out["optuna"]
    out["valid_auc_gap"] = o["median_best_valid_auc"] - p["median_best_valid_auc"]
    out["speedup"] = p["median_seconds"] / o["median_seconds"]
    out["goal_met"] = out["valid_auc_gap"] >= -0.002 and o["median_seconds"] < p["median_seconds"]
print(json.dumps(out))
