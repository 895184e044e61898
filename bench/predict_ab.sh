#!/bin/bash
# `lab predict` against librosa + Keras on one folder of audio: the same model (a run's
# model.safetensors, rebuilt in Keras by bench/check_weights.py) on the same files.
#
#   bash bench/predict_ab.sh target/<run-id> AUDIO_DIR PYTHON [RUNS]
#
# PYTHON has numpy, keras (TensorFlow backend) and librosa; never a dependency of lab or CI.
# Prints each side's time per file of decoding, features and inference (lab: --profile; the peer:
# time.perf_counter around librosa.load, melspectrogram + power_to_db, model.predict), how far the
# two sides' clip probabilities are apart, then times both whole processes in one hyperfine A/B
# (the peer's includes importing TensorFlow and building the model) and their peak memory.
set -euo pipefail
run=${1:?usage: bash bench/predict_ab.sh target/RUN AUDIO_DIR PYTHON [RUNS]}
dir=${2:?}; py=${3:?}; runs=${4:-3}
lab=${LAB:-.build/release/lab}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
lscpu | grep -E "^Model name|^Flags" | sed 's/\(Flags:\).*\(avx512f\).*/\1 ... \2 .../' | head -2
echo "== lab predict, stage by stage"
"$lab" predict "$run/model.safetensors" "$dir" --csv --quiet --profile > "$out"
echo "== librosa + Keras, stage by stage"
"$py" bench/check_weights.py "$run" --predict-dir "$dir" --lab-csv "$out"
echo "== whole processes"
hyperfine -N -w 1 -r "$runs" -n lab "$lab predict $run/model.safetensors $dir --csv --quiet" \
  -n librosa+keras "$py bench/check_weights.py $run --predict-dir $dir"
for cmd in "$lab predict $run/model.safetensors $dir --csv --quiet" "$py bench/check_weights.py $run --predict-dir $dir"; do
  /usr/bin/time -v $cmd 2>&1 >/dev/null | awk -v c="${cmd%% *}" '/Maximum resident/ { printf "%s: peak %d MiB\n", c, $6 / 1024 }'
done
