"""The pandas anchor of bench/csv/csv.bench.ts: times pandas.read_csv (C engine, defaults) on a
file and prints one JSON line in the bench's format. Peak RSS is this process's maximum RSS."""
import json
import resource
import sys
import time

import pandas as pd


def main() -> None:
    path = sys.argv[1]
    t0 = time.perf_counter()
    df = pd.read_csv(path)
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    rows, cols = df.shape
    print(json.dumps({
        "bench": "csv",
        "impl": "pandas",
        "pandas_version": pd.__version__,
        "rows": rows,
        "cols": cols,
        "seconds": round(seconds, 3),
        "rows_per_second": round(rows / seconds),
        "peak_rss_mb": round(peak_mb, 1),
    }))


if __name__ == "__main__":
    main()
