"""scikit-learn reference AUCs for the metric tests (run in a venv with scikit-learn).

    python make_fixture.py   # writes sklearn_auc.json beside this script

Scores are rounded to 1 decimal so that ties are everywhere.
"""
import json, os
import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.preprocessing import label_binarize

rng = np.random.default_rng(7)
cases = []
for k, n in [(2, 30), (3, 40), (5, 60), (10, 120)]:
    y = np.concatenate([np.arange(k), rng.integers(0, k, n - k)])
    raw = np.round(rng.random((n, k)) + 0.6 * np.eye(k)[y], 1) + 1e-3
    p = raw / raw.sum(axis=1, keepdims=True)
    case = {"classes": k, "labels": y.tolist(), "probabilities": p.ravel().tolist()}
    if k == 2:
        case["macro"] = roc_auc_score(y, p[:, 1])
        fpr, tpr, thr = roc_curve(y, p[:, 1])
        case["curve"] = {"fpr": fpr.tolist(), "tpr": tpr.tolist()}
    else:
        case["macro"] = roc_auc_score(y, p, multi_class="ovr", average="macro")
    case["micro"] = roc_auc_score(label_binarize(y, classes=list(range(k))) if k > 2 else np.eye(2)[y], p, average="micro")
    case["per_class"] = [roc_auc_score((y == c).astype(int), p[:, c]) for c in range(k)]
    cases.append(case)
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "sklearn_auc.json"), "w") as f:
    json.dump({"cases": cases}, f)
print("wrote", len(cases), "cases")
