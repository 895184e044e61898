#!/usr/bin/env bash
# A real single-node Slurm on this machine (Debian 12, root, no systemd), for `lab reproduce
# --executor slurm` and its test. Installs slurm-wlm and munge, writes a minimal slurm.conf under
# $SLURM_SCRATCH (default /tmp/lab-slurm), starts munged, slurmctld and slurmd, and waits until the
# node is idle. `bash scripts/slurm-single-node.sh stop` stops the daemons by their pid files.
# What works here, and why these settings: ../shared/notes/slurm-on-debian12.md.
set -euo pipefail
scratch=${SLURM_SCRATCH:-/tmp/lab-slurm}
if [ "${1:-start}" = stop ]; then
    for p in "$scratch"/slurmd.pid "$scratch"/slurmctld.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true; done
    exit 0
fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi
if sinfo -h -o %t 2>/dev/null | grep -q idle; then echo "slurm: already up"; exit 0; fi

# munge: a key, its run directory, started as the munge user.
if [ ! -s /etc/munge/munge.key ]; then dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none; fi
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge && chown munge:munge /run/munge /var/log/munge /var/lib/munge
pgrep -x munged >/dev/null || su -s /bin/sh munge -c munged
munge -n | unmunge >/dev/null

mkdir -p "$scratch/state" "$scratch/spool"
host=$(hostname -s) cpus=$(nproc) mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024))
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=lab
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
StateSaveLocation=$scratch/state
SlurmdSpoolDir=$scratch/spool
SlurmctldPidFile=$scratch/slurmctld.pid
SlurmdPidFile=$scratch/slurmd.pid
SlurmctldLogFile=$scratch/slurmctld.log
SlurmdLogFile=$scratch/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=lab Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
rm -f /etc/slurm/cgroup.conf
slurmctld
slurmd
for _ in $(seq 60); do
    if sinfo -h -o %t 2>/dev/null | grep -q idle; then echo "slurm: node $host idle ($cpus CPUs)"; exit 0; fi
    sleep 1
done
echo "slurm: the node did not become idle; see $scratch/slurmctld.log and $scratch/slurmd.log" >&2
exit 1
