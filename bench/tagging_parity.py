"""Recomputes a tagging run's per-tag figures with scikit-learn, from the run's own files.

    python bench/tagging_parity.py target/RUN_ID [--fixture Tests/Fixtures/metrics/tagging_run.json]

Reads RUN_ID/predictions.csv (path, the clip's tags separated by `;`, then p_TAG for each tag: the
clip's mean segment probability, written to the last bit) and RUN_ID/metrics.json (lab's figures
for the test clips). For every tag it computes roc_auc_score and average_precision_score where they
are defined (ROC-AUC needs a positive and a negative clip, PR-AUC a positive one), their macro
means over the defined tags, and the micro figures over every (clip, tag) pair, and checks lab's to
1e-9. Exits 1 on any difference. With --fixture it writes the clips, scores, tags, scikit-learn's
figures and lab's into one JSON file, which TaggingMetricsTests reads without Python.

Run it in a venv outside the repository: python3 -m venv /tmp/skvenv && /tmp/skvenv/bin/pip install
scikit-learn (a parity check only, never a dependency of lab or of CI).
"""
import csv, json, os, sys
import numpy as np
import sklearn
from sklearn.metrics import roc_auc_score, average_precision_score

TOLERANCE = 1e-9


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    run = sys.argv[1]
    fixture = sys.argv[sys.argv.index("--fixture") + 1] if "--fixture" in sys.argv else None
    with open(os.path.join(run, "predictions.csv"), newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    if header[:2] != ["path", "tags"]:
        sys.exit(f"{run}/predictions.csv: not a tagging run's (its header starts {header[:2]})")
    tags = [h[2:] for h in header[2:]]
    scores = np.array([[float(x) for x in r[2:]] for r in rows])
    truth = np.array([[t in r[1].split(";") for t in tags] for r in rows], dtype=int)
    with open(os.path.join(run, "metrics.json")) as f:
        lab = json.load(f)["tagging"]["test"]["clip"]

    items = len(rows)
    roc = [roc_auc_score(truth[:, t], scores[:, t]) if 0 < truth[:, t].sum() < items else None for t in range(len(tags))]
    ap = [average_precision_score(truth[:, t], scores[:, t]) if truth[:, t].sum() > 0 else None for t in range(len(tags))]
    mean = lambda v: float(np.mean([x for x in v if x is not None])) if any(x is not None for x in v) else None
    ours = {"macro_roc_auc": mean(roc), "macro_pr_auc": mean(ap),
            "micro_roc_auc": roc_auc_score(truth.ravel(), scores.ravel()),
            "micro_pr_auc": average_precision_score(truth.ravel(), scores.ravel())}
    theirs = {"macro_roc_auc": lab["macroROCAUC"], "macro_pr_auc": lab["macroAveragePrecision"],
              "micro_roc_auc": lab["microROCAUC"], "micro_pr_auc": lab["microAveragePrecision"]}

    worst, bad = 0.0, []
    print(f"{'tag':<14}{'ROC-AUC lab':>14}{'sklearn':>14}{'PR-AUC lab':>14}{'sklearn':>14}")
    for t, name in enumerate(tags):
        pairs = [(lab["rocAUC"][t], roc[t]), (lab["averagePrecision"][t], ap[t])]
        for a, b in pairs:
            if (a is None) != (b is None):
                bad.append(f"{name}: lab {a}, scikit-learn {b}")
            elif a is not None:
                worst = max(worst, abs(a - b))
        cell = lambda v: f"{v:14.9f}" if v is not None else f"{'undefined':>14}"
        print(f"{name:<14}{cell(pairs[0][0])}{cell(pairs[0][1])}{cell(pairs[1][0])}{cell(pairs[1][1])}")
    for key in ours:
        worst = max(worst, abs(ours[key] - theirs[key]))
        print(f"{key:<14}{theirs[key]:14.9f}{ours[key]:14.9f}")
    print(f"{items} clips, {len(tags)} tags; largest difference {worst:.3g} (scikit-learn {sklearn.__version__})")
    if fixture:
        with open(fixture, "w") as f:
            json.dump({"sklearn": sklearn.__version__, "run": os.path.basename(os.path.normpath(run)), "tags": tags,
                       "labels": truth.ravel().tolist(), "scores": scores.ravel().tolist(),
                       "roc_auc": roc, "average_precision": ap, "sklearn_figures": ours, "lab_figures": theirs,
                       "lab_roc_auc": lab["rocAUC"], "lab_average_precision": lab["averagePrecision"]}, f)
        print("wrote", fixture)
    if bad or worst > TOLERANCE:
        sys.exit("\n".join(bad + [f"differences above {TOLERANCE}"]))


if __name__ == "__main__":
    main()
