"""Writes Tests/Fixtures/stats/reference.json: McNemar exact p-values from statsmodels and
percentiles from numpy, for StatsParityTests to compare ours against. Run once, in a venv outside
the repo (never a dependency of lab or CI):

    python3 -m venv /tmp/pvenv && /tmp/pvenv/bin/pip install numpy statsmodels
    /tmp/pvenv/bin/python bench/stats_parity.py
"""
import json, os
import numpy as np
from statsmodels.stats.contingency_tables import mcnemar

rng = np.random.default_rng(2026)
cases = []
for n_only_a, n_only_b in [(0, 0), (0, 1), (1, 6), (2, 6), (3, 4), (5, 5), (0, 12), (10, 25), (40, 55), (7, 0)]:
    both = int(rng.integers(0, 30)); neither = int(rng.integers(0, 30))
    # Table rows: A right / A wrong; columns: B right / B wrong.
    table = [[both, n_only_a], [n_only_b, neither]]
    cases.append({"onlyA": n_only_a, "onlyB": n_only_b, "both": both, "neither": neither,
                  "p": float(mcnemar(table, exact=True).pvalue)})
samples = [sorted(rng.normal(size=int(n)).tolist()) for n in (1, 2, 5, 37, 200)]
percentiles = [{"values": v, "q": q, "numpy": float(np.percentile(v, 100 * q))}
               for v in samples for q in (0.0, 0.025, 0.5, 0.975, 1.0)]
out = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "stats", "reference.json")
with open(out, "w") as f:
    json.dump({"mcnemar": cases, "percentiles": percentiles}, f, indent=1)
print(f"wrote {out}: {len(cases)} McNemar cases, {len(percentiles)} percentiles")
