"""Makes the librosa reference fixture for the feature tests (run in a venv with librosa 0.11).

    python make_fixture.py        # writes signal.wav and librosa_reference.json beside this script

The signal is a 1-second float32 WAV (two tones, a chirp and a little noise) so Swift reads exactly
the samples librosa saw. Every element of the mel power and dB matrices is stored (as float32,
which is what both sides compute in), so the test compares whole matrices, not samples of them.
"""
import json, os
import numpy as np, soundfile as sf, librosa

here = os.path.dirname(os.path.abspath(__file__))
sr = 22050
t = np.arange(sr) / sr
rng = np.random.default_rng(0)
y = (0.4 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 3000 * t)
     + 0.2 * np.sin(2 * np.pi * (200 + 4000 * t) * t) + 0.01 * rng.standard_normal(sr)).astype(np.float32)
sf.write(os.path.join(here, "signal.wav"), y, sr, subtype="FLOAT")
y = sf.read(os.path.join(here, "signal.wav"), dtype="float32")[0]

out = {"librosa": librosa.__version__, "sr": sr, "cases": []}
for n_fft, hop, n_mels, scale in [(2048, 512, 128, "slaney"), (1024, 256, 64, "slaney"), (2048, 512, 40, "htk")]:
    S = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop, n_mels=n_mels, htk=(scale == "htk"))
    D = librosa.power_to_db(S, ref=np.max, top_db=80)
    fb = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, htk=(scale == "htk"))
    out["cases"].append({
        "n_fft": n_fft, "hop_length": hop, "n_mels": n_mels, "mel_scale": scale,
        "shape": list(S.shape),
        "mel_power": [float(v) for v in S.astype(np.float32).ravel()],   # row-major [n_mels][frames]
        "mel_power_frobenius": float(np.linalg.norm(S.astype(np.float64))),
        "db": [float(v) for v in D.astype(np.float32).ravel()],
        "filterbank_row_sums": fb.sum(axis=1).astype(float).tolist(),
    })
with open(os.path.join(here, "librosa_reference.json"), "w") as f:
    json.dump(out, f)
print("wrote", len(out["cases"]), "cases")
