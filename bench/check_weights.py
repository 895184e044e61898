"""Loads a run's model.safetensors into an equal Keras model and checks it predicts what lab did.

    python bench/check_weights.py target/<run-id> [--lab .build/release/lab]

Needs numpy and keras (any backend); never a dependency of lab or CI. Everything comes from the
run's own files: the architecture (`pytorch` in the safetensors header: the nn.Sequential the
weights are named for), the class order, the feature parameters, the segment length and the input
standardisation, all in `__metadata__`; the test clips and lab's clip probabilities from
predictions.csv. Each test clip's log-mel segments are cut by `lab features`, standardised,
run through Keras, softmaxed and averaged per clip, as lab does, then compared.

The same file loads into PyTorch with `torch.nn.Sequential(...)` as written in the header and
`load_state_dict(safetensors.torch.load_file(path), strict=False)` (BatchNorm's
num_batches_tracked is not stored). Keras is used here because it is what the speed peer uses.

    python bench/check_weights.py target/<run-id> --predict-dir DIR [--lab-csv lab.csv]

is the peer for `lab predict`: every audio file under DIR through `librosa.load` (at the model's
rate, mono), librosa's melspectrogram and power_to_db with the model's parameters, the model's
segments and standardisation, then the same Keras model; it prints the time per clip of each stage
(decode, features, inference) and, with --lab-csv (the output of `lab predict RUN DIR --csv`), how
far its clip probabilities are from lab's. Needs librosa as well.
"""
import argparse
import csv
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        body = f.read()
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", f"{name}: {info['dtype']}"
        a, b = info["data_offsets"]
        tensors[name] = np.frombuffer(body[a:b], dtype="<f4").reshape(info["shape"])
    return tensors, meta


def parse_sequential(text):
    """'Sequential(Conv2d(1, 32, 3, padding=1), MaxPool2d(2), ...)' -> [('Conv2d', '1, 32, 3, padding=1'), ...]"""
    inner = text[len("Sequential("):-1]
    return re.findall(r"(\w+)\(([^()]*)\)", inner)


def keras_model(modules, tensors, height, width, keras):
    """The Sequential in Keras: channels-last, so kernels go (kh, kw, in, out), Linear weights are
    transposed, and a Permute before Flatten keeps PyTorch's channel-major flatten order."""
    layers = [keras.Input((height, width, 1))]
    weights = []  # (layer index, [arrays])
    for i, (kind, args) in enumerate(modules):
        if kind == "Conv2d":
            out = int(args.split(",")[1])
            layers.append(keras.layers.Conv2D(out, 3, padding="same"))
            weights.append((len(layers) - 1, [tensors[f"{i}.weight"].transpose(2, 3, 1, 0), tensors[f"{i}.bias"]]))
        elif kind == "MaxPool2d":
            layers.append(keras.layers.MaxPooling2D(2))
        elif kind == "ReLU":
            layers.append(keras.layers.ReLU())
        elif kind == "BatchNorm2d":
            eps = float(re.search(r"eps=([0-9.e-]+)", args).group(1))
            layers.append(keras.layers.BatchNormalization(epsilon=eps))
            weights.append((len(layers) - 1, [tensors[f"{i}.{k}"] for k in ("weight", "bias", "running_mean", "running_var")]))
        elif kind == "Flatten":
            layers.append(keras.layers.Permute((3, 1, 2)))  # NHWC -> NCHW, then flatten as PyTorch does
            layers.append(keras.layers.Flatten())
        elif kind == "Dropout":
            layers.append(keras.layers.Dropout(float(args)))
        elif kind == "Linear":
            out = int(args.split(",")[1])
            layers.append(keras.layers.Dense(out))
            weights.append((len(layers) - 1, [tensors[f"{i}.weight"].T, tensors[f"{i}.bias"]]))
        else:
            sys.exit(f"unknown module {kind}")
    model = keras.Sequential(layers)
    for index, arrays in weights:
        model.layers[index - 1].set_weights(arrays)  # model.layers excludes the Input
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run", help="a complete run folder, target/<run-id>")
    ap.add_argument("--lab", default=".build/release/lab")
    ap.add_argument("--root", default=".", help="the workspace the run's data root is relative to")
    ap.add_argument("--predict-dir", help="time librosa + Keras predicting every audio file under this folder")
    ap.add_argument("--lab-csv", help="with --predict-dir: `lab predict RUN DIR --csv` output to compare with")
    args = ap.parse_args()
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    tensors, meta = read_safetensors(os.path.join(args.run, "model.safetensors"))
    arch = json.loads(meta["architecture"])
    features = json.loads(meta["features"])
    segment = json.loads(meta["segment"])
    classes = json.loads(meta["classes"])
    mean, std = float(meta["input_mean"]), float(meta["input_std"])
    height, width = arch["input"]["height"], arch["input"]["width"]
    model = keras_model(parse_sequential(meta["pytorch"]), tensors, height, width, keras)

    if args.predict_dir:
        sys.exit(predict_dir(args, model, features, segment, classes, mean, std, height, width))
    manifest = json.load(open(os.path.join(args.run, "manifest.json")))
    root = os.path.join(args.root, manifest["dataRoot"])
    hop_seconds = segment["hop"] * features["hopLength"] / features["sampleRate"]
    length_seconds = segment["length"] * features["hopLength"] / features["sampleRate"]
    rows = list(csv.DictReader(open(os.path.join(args.run, "predictions.csv"))))
    worst, agree = 0.0, 0
    with tempfile.TemporaryDirectory() as tmp:
        npy = os.path.join(tmp, "x.npy")
        for row in rows:
            cmd = [args.lab, "features", os.path.join(root, row["path"]), "--npy", npy,
                   "--sr", str(features["sampleRate"]), "--n-fft", str(features["nFFT"]),
                   "--hop-length", str(features["hopLength"]), "--n-mels", str(features["nMels"]),
                   "--fmin", str(features["fmin"]), "--top-db", str(features.get("topDB") or 0),
                   "--mel-scale", features["melScale"], "--segment", repr(length_seconds),
                   "--segment-hop", repr(hop_seconds), "--segment-tail", segment["tail"]]
            if features.get("fmax") is not None:
                cmd += ["--fmax", str(features["fmax"])]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            x = np.load(npy).astype(np.float64)
            assert x.shape[1:] == (height, width), f"{row['path']}: segments {x.shape}, model wants {height}x{width}"
            x = ((x - mean) / std).astype(np.float32)[..., None]
            logits = model.predict(x, verbose=0).astype(np.float64)
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p = (p / p.sum(axis=1, keepdims=True)).mean(axis=0)
            ours = np.array([float(row[f"p_{c}"]) for c in classes])
            worst = max(worst, float(np.abs(p - ours).max()))
            agree += int(np.argmax(p) == np.argmax(ours))
    print(f"{len(rows)} test clips: largest |p_keras - p_lab| = {worst:.2e}; "
          f"same predicted class for {agree}/{len(rows)}")
    ok = worst < 1e-4 and agree == len(rows)
    print("MATCH" if ok else "MISMATCH")
    sys.exit(0 if ok else 1)


def predict_dir(args, model, features, segment, classes, mean, std, height, width):
    """librosa + Keras over a folder, stage by stage, as a user without lab would do it."""
    import time
    import librosa
    exts = (".wav", ".au", ".flac", ".ogg", ".mp3", ".aiff", ".aif")
    files = sorted(os.path.relpath(os.path.join(d, f), args.predict_dir)
                   for d, _, names in os.walk(args.predict_dir) for f in names if f.lower().endswith(exts))
    t_decode = t_features = t_infer = 0.0
    probs = {}
    length, hop = segment["length"], segment["hop"]
    for rel in files:
        t0 = time.perf_counter()
        y, _ = librosa.load(os.path.join(args.predict_dir, rel), sr=features["sampleRate"], mono=True)
        t1 = time.perf_counter()
        s = librosa.feature.melspectrogram(y=y, sr=features["sampleRate"], n_fft=features["nFFT"], hop_length=features["hopLength"],
                                           n_mels=features["nMels"], fmin=features["fmin"], fmax=features.get("fmax"),
                                           htk=features["melScale"] == "htk", power=2.0)
        db = librosa.power_to_db(s, ref=np.max, top_db=features.get("topDB"))
        starts = list(range(0, db.shape[1] - length + 1, hop))
        x = np.stack([db[:, a:a + length] for a in starts]).astype(np.float64)
        x = ((x - mean) / std).astype(np.float32)[..., None]
        t2 = time.perf_counter()
        logits = model.predict(x, verbose=0, batch_size=32).astype(np.float64)
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs[rel] = (p / p.sum(axis=1, keepdims=True)).mean(axis=0)
        t3 = time.perf_counter()
        t_decode += t1 - t0
        t_features += t2 - t1
        t_infer += t3 - t2
    n = max(1, len(files))
    print(f"{len(files)} files: per clip decode {1000 * t_decode / n:.1f} ms, features {1000 * t_features / n:.1f} ms, "
          f"inference {1000 * t_infer / n:.1f} ms, total {1000 * (t_decode + t_features + t_infer) / n:.1f} ms")
    if args.lab_csv:
        rows = {r["path"]: r for r in csv.DictReader(open(args.lab_csv))}
        worst, agree = 0.0, 0
        for rel, p in probs.items():
            ours = np.array([float(rows[rel][f"p_{c}"]) for c in classes])
            worst = max(worst, float(np.abs(p - ours).max()))
            agree += int(np.argmax(p) == np.argmax(ours))
        print(f"against lab predict: largest |p_keras - p_lab| = {worst:.2e}; same top class for {agree}/{len(probs)}")
    return 0


if __name__ == "__main__":
    main()
