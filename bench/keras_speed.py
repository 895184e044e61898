"""Speed peer for `lab bench train`: its default workload in Keras 3 on TensorFlow-CPU.

Same architecture as lab's reference model: input 128 mels x 86 frames x 1, three blocks of 3x3
"same" conv (32, 64, 128 filters) + ReLU + 2x2 max-pool, flatten, dropout 0.3, dense 64 + ReLU,
dropout 0.3, dense 10 + softmax; Adam 1e-3, categorical cross-entropy, batch 32.
Same workload as `lab bench train` with its defaults: 1024 random samples; one untimed warm-up
epoch on the first 256; 2 timed epochs, each shuffled and validated on the first 32 (as lab's
Trainer does); then inference over the 1024 at batch 32: one untimed pass, then the median of 5
timed passes. TensorFlow is held to 2 intra-op
and 2 inter-op threads to match lab's default --threads 2.

A speed peer only, never a dependency of lab. Run it in a venv outside the repo, beside
`lab bench train` on the same machine in the same minute, and quote the ratio:
    python3 -m venv /tmp/kvenv && /tmp/kvenv/bin/pip install -q tensorflow-cpu keras
    /tmp/kvenv/bin/python bench/keras_speed.py
"""
import os, resource, time
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, tensorflow as tf
tf.config.threading.set_intra_op_parallelism_threads(2)
tf.config.threading.set_inter_op_parallelism_threads(2)
import keras
from keras import layers

H, W, C, N, EPOCHS, BATCH = 128, 86, 10, 1024, 2, 32
print(f"keras {keras.__version__}, tensorflow {tf.__version__}, threads: "
      f"intra-op {tf.config.threading.get_intra_op_parallelism_threads()}, "
      f"inter-op {tf.config.threading.get_inter_op_parallelism_threads()}")
model = keras.Sequential([keras.Input((H, W, 1))])
for filters in (32, 64, 128):
    model.add(layers.Conv2D(filters, 3, padding="same", activation="relu"))
    model.add(layers.MaxPooling2D(2))
model.add(layers.Flatten()); model.add(layers.Dropout(0.3))
model.add(layers.Dense(64, activation="relu")); model.add(layers.Dropout(0.3))
model.add(layers.Dense(C, activation="softmax"))
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy", metrics=["accuracy"])
print(f"model: {model.count_params()} parameters")

rng = np.random.default_rng(0)
x = rng.standard_normal((N, H, W, 1)).astype(np.float32)
y = keras.utils.to_categorical(rng.integers(0, C, N), C)
val = (x[:32], y[:32])
model.fit(x[:256], y[:256], batch_size=BATCH, epochs=1, validation_data=val, verbose=0)  # warm-up
t = time.perf_counter()
model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, validation_data=val, verbose=0)
print(f"keras train: {EPOCHS * N / (time.perf_counter() - t):.0f} samples/s")
model.predict(x, batch_size=BATCH, verbose=0)  # warm-up: builds the predict function
rates = []
for _ in range(5):
    t = time.perf_counter()
    model.predict(x, batch_size=BATCH, verbose=0)
    rates.append(N / (time.perf_counter() - t))
print(f"keras inference: {sorted(rates)[len(rates) // 2]:.0f} samples/s (median of 5 passes)")
print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
