#!/bin/bash
# Rung 1 of search 1795808850: array task i trains the i-th trial that entered this rung.
# A trial that fails 2 time(s) is marked failed with this log, and the task exits 0
# so that the promotion job (--dependency=afterok) still ranks the others.
set -u
status=0
for attempt in $(seq 1 2); do
  "$LAB" search trial 1795808850 --rung 1 --index "$SLURM_ARRAY_TASK_ID" --threads 2 --quiet && exit 0
  status=$?
  echo "lab search trial: attempt $attempt of 2 exited with status $status" >&2
done
"$LAB" search trial 1795808850 --rung 1 --index "$SLURM_ARRAY_TASK_ID" --mark-failed \
  "exited with status $status in each of 2 attempt(s); log: target/1795808850/slurm/rung1-${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}.out"
exit 0
