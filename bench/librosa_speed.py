"""Speed peer for `lab bench features`: the same STFT + mel + dB work in librosa (run in a venv outside the repo).

    python3 -m venv /tmp/pvenv && /tmp/pvenv/bin/pip install librosa
    /tmp/pvenv/bin/python bench/librosa_speed.py
"""
import numpy as np, librosa, time
y = np.random.default_rng(0).standard_normal(22050*30).astype(np.float32)*0.1
def once():
    S = librosa.feature.melspectrogram(y=y, sr=22050, n_fft=2048, hop_length=512, n_mels=128)
    return librosa.power_to_db(S, ref=np.max, top_db=80)
once()
ts=[]
for _ in range(15):
    t=time.perf_counter(); once(); ts.append(time.perf_counter()-t)
print(f"librosa {librosa.__version__}: {1000*sorted(ts)[7]:.2f} ms per 30-s clip (median of 15)")
