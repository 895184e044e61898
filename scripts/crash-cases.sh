#!/bin/bash
# The crash and wrong-number cases of issue 22, through the real `lab` in a fresh workspace, one line
# each. Run it with an old and a new build to see the difference:  LAB=.build/release/lab bash scripts/crash-cases.sh
LAB=$(realpath "${LAB:?set LAB to a lab binary}")
ws=$(mktemp -d); cd "$ws"; mkdir reports
cell() { printf '```lab\nname: %s\ndata: {clips_per_genre: 4, seconds: 3}\nfeatures: {n_mels: 16}\nsegment: {seconds: 1, hop: 1}\nmodel: {filters: [2], dense: 4}\ntraining: {epochs: 1, batch_size: 8}\n%s\n```\n\n' "$1" "$2"; }
try() { # name, notebook text
  printf '# t\n\n%s' "$2" > reports/$1.lab.md
  out=$("$LAB" reproduce reports/$1.lab.md --quiet 2>&1); rc=$?
  echo "$1: exit $rc: $(echo "$out" | grep -v '^ ' | head -2 | tr '\n' ' ' | cut -c1-220)"
}
try dup-aug "$(cell a 'classes: [blues, blues, metal]
augment: {copies: 1, noise: {snr_db: [20, 30]}}')"
try dup "$(cell a 'classes: [blues, blues, metal]')"
try ablation "$(cell a 'classes: [blues, metal]
repeats: 2
ablation: g')

$(cell b 'classes: [blues, metal, jazz]
repeats: 2
ablation: g')"
printf '# t\n\n```lab\nname: h\ndata: {clips_per_genre: 4, seconds: 3}\nclasses: [blues, metal]\nfeatures: {n_mels: 16}\nsegment: {seconds: 2, tail: pad}\nmodel: {filters: [2], dense: 4}\ntraining: {epochs: 1, batch_size: 8}\n```\n' > reports/hop.lab.md
"$LAB" reproduce reports/hop.lab.md --quiet >/dev/null 2>&1
echo "hop: segmentHopSeconds recorded: $(grep -o '"segmentHopSeconds" : [0-9.]*' reports/hop.json | head -1)"
# Renaming a title: does it train again?
before=$(ls target | grep -c '^[0-9]')
sed -i 's/^name: h$/name: h\ntitle: Renamed/' reports/hop.lab.md
"$LAB" reproduce reports/hop.lab.md --quiet >/dev/null 2>&1
echo "title: runs before $before, after renaming the title $(ls target | grep -c '^[0-9]')"
# A corrupt checkpoint in an interrupted run.
run=$(grep -l "\"name\" : \"h\"" target/*/manifest.json | head -1 | cut -d/ -f2)
sed -i 's/"status" : "complete"/"status" : "interrupted"/' target/$run/manifest.json
python3 -c "import struct,sys; open('target/$run/checkpoint.safetensors','wb').write(struct.pack('<Q', 2**64-1) + b'{}')"
out=$("$LAB" resume $run --quiet 2>&1); rc=$?
echo "checkpoint: exit $rc: $(echo "$out" | head -1 | cut -c1-200)"
# gc while another lab process holds the workspace.
python3 -c "import fcntl,time,os; f=open('target/.lock','w'); fcntl.flock(f, fcntl.LOCK_EX); f.write(str(os.getpid())); f.flush(); time.sleep(8)" &
sleep 1
out=$("$LAB" gc --dry-run 2>&1); rc=$?
echo "gc: exit $rc: $(echo "$out" | head -1 | cut -c1-200)"
wait
rm -rf "$ws"
