"""scikit-learn reference figures for the tagging metrics (run in a venv with scikit-learn).

    python make_tagging_fixture.py   # writes sklearn_tagging.json beside this script

Multi-label cases: per-tag roc_auc_score and average_precision_score where defined, their macro
means over the defined tags, the micro figures over every (item, tag) pair, and one tag's
precision_recall_curve. Scores are rounded to 2 decimals so that ties are everywhere; some tags
have no positive item, one has only positives.
"""
import json, os
import numpy as np
from sklearn.metrics import roc_auc_score, average_precision_score, precision_recall_curve

rng = np.random.default_rng(11)
cases = []
for items, tags in [(12, 3), (40, 6), (120, 12), (150, 50)]:
    rate = rng.uniform(0.02, 0.5, tags)
    y = (rng.random((items, tags)) < rate).astype(int)
    y[:, 0] = 0                      # a tag nobody has: no ROC-AUC, no AP
    if tags > 3:
        y[:, 1] = 1                  # a tag everybody has: no ROC-AUC, AP defined
    s = np.round(rng.random((items, tags)) * 0.7 + 0.3 * y, 2)
    roc = [roc_auc_score(y[:, t], s[:, t]) if 0 < y[:, t].sum() < items else None for t in range(tags)]
    ap = [average_precision_score(y[:, t], s[:, t]) if y[:, t].sum() > 0 else None for t in range(tags)]
    defined = lambda v: [x for x in v if x is not None]
    t = int(np.argmax(y.sum(axis=0) * (y.sum(axis=0) < items)))
    precision, recall, thresholds = precision_recall_curve(y[:, t], s[:, t])
    cases.append({
        "items": items, "tags": tags, "labels": y.ravel().tolist(), "scores": s.ravel().tolist(),
        "roc_auc": roc, "average_precision": ap,
        "macro_roc_auc": float(np.mean(defined(roc))), "macro_average_precision": float(np.mean(defined(ap))),
        "micro_roc_auc": roc_auc_score(y.ravel(), s.ravel()), "micro_average_precision": average_precision_score(y.ravel(), s.ravel()),
        "curve_tag": t, "curve": {"precision": precision.tolist(), "recall": recall.tolist(), "thresholds": thresholds.tolist()},
    })
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "sklearn_tagging.json"), "w") as f:
    json.dump({"sklearn": __import__("sklearn").__version__, "cases": cases}, f)
print("wrote", len(cases), "cases")
