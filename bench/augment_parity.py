"""Pitch shift and time stretch: lab's against librosa 0.11's, on real music.

For each clip and each transform, the audio is shifted (or stretched) twice: once by
`lab features CLIP --pitch N --wav OUT` and once by `librosa.effects.pitch_shift` (or
`time_stretch`) on the same decoded samples. Both are then turned into the same log-mel (librosa's
melspectrogram + power_to_db(ref=max, top_db=80)), and the two log-mels are correlated (Pearson,
over every value). Writes bench/augment_parity.json with every pair and the mean.

Run by hand, in a venv outside the repo (never a dependency of lab or CI), on the real collection
that scripts/real-music-collection.sh builds:

    python3 -m venv /tmp/pvenv && /tmp/pvenv/bin/pip install librosa soundfile
    bash scripts/real-music-collection.sh /tmp/realmusic
    /tmp/pvenv/bin/python bench/augment_parity.py /tmp/realmusic .build/release/lab

The threshold we hold it to: a mean log-mel correlation of at least 0.99 for each transform.
"""
import json, os, subprocess, sys, tempfile
import numpy as np
import librosa, soundfile

root, lab = sys.argv[1], sys.argv[2]
SR = 22050
THRESHOLD = 0.99
clips = []
for cls in sorted(os.listdir(root)):
    names = sorted(f for f in os.listdir(os.path.join(root, cls)) if f.endswith(".wav"))
    clips += [os.path.join(root, cls, f) for f in names[:3]]  # the first three of each class


def logmel(y):
    return librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR), ref=np.max, top_db=80)


def correlation(a, b):
    n = min(a.shape[1], b.shape[1])
    return float(np.corrcoef(a[:, :n].ravel(), b[:, :n].ravel())[0, 1])


pairs = []
with tempfile.TemporaryDirectory() as tmp:
    for path in clips:
        y, _ = librosa.load(path, sr=SR)
        for kind, value in [("pitch", -2), ("pitch", -1), ("pitch", 1), ("pitch", 2), ("stretch", 0.9), ("stretch", 1.1)]:
            out = os.path.join(tmp, "lab.wav")
            subprocess.run([lab, "features", path, f"--{kind}={value}", "--wav", out], check=True, capture_output=True)
            ours, _ = soundfile.read(out, dtype="float32")
            theirs = (librosa.effects.pitch_shift(y, sr=SR, n_steps=value) if kind == "pitch"
                      else librosa.effects.time_stretch(y, rate=1 / value))
            pairs.append({"clip": os.path.relpath(path, root), "transform": kind, "value": value,
                          "samples": [len(ours), len(theirs)],
                          "logmel_correlation": correlation(logmel(ours), logmel(theirs)),
                          "waveform_correlation": float(np.corrcoef(ours[:len(theirs)], theirs[:len(ours)])[0, 1])})
            print(f"{pairs[-1]['clip']:40s} {kind} {value:+}: log-mel r = {pairs[-1]['logmel_correlation']:.5f}", flush=True)

summary = {}
for kind in ("pitch", "stretch"):
    r = [p["logmel_correlation"] for p in pairs if p["transform"] == kind]
    summary[kind] = {"mean_logmel_correlation": float(np.mean(r)), "min_logmel_correlation": float(np.min(r)),
                     "pairs": len(r), "threshold": THRESHOLD, "passes": bool(np.mean(r) >= THRESHOLD)}
out = os.path.join(os.path.dirname(__file__), "augment_parity.json")
with open(out, "w") as f:
    json.dump({"librosa": librosa.__version__, "clips": len(clips), "summary": summary, "pairs": pairs}, f, indent=1)
print(json.dumps(summary, indent=1))
print(f"wrote {out}")
