#!/bin/bash
# Submits a notebook's search cell to Slurm as a job chain (`lab search submit --slurm --force`)
# and waits for its last job (collect) to finish: the wall time of a whole submitted search.
# Usage: bash bench/slurm-chain.sh NOTEBOOK CELL      (from the workspace root, Slurm up)
set -euo pipefail
notebook=$1 cell=$2
lab=${LAB:-.build/release/lab}
out=$("$lab" search submit "$notebook" --cell "$cell" --slurm --force --quiet)
ids=$(echo "$out" | awk '/^  [0-9]+ /{print $1}' | paste -sd,)
while [ -n "$(squeue -h -j "$ids" -o %i 2>/dev/null)" ]; do sleep 0.2; done
run=$(echo "$out" | awk '/^search /{print $2}')
grep -q '"status" : "complete"' "target/$run/manifest.json" || { echo "search $run did not complete" >&2; exit 1; }
