#!/usr/bin/env bash
# Runs every benchmark behind BENCHMARKS.md (about an hour) and regenerates the plots.
# Results: bench-results/*.txt (tables) and *.json; plots: docs/bench-*.svg.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build >/dev/null
V="node dist/src/cli/main.js"
mkdir -p bench-results
# the machine these ran on, for BENCHMARKS.md (regenerated elsewhere, it still names this one)
node -e "import('./dist/src/bench/proc.js').then((m) => console.log(m.describeMachine()))" > bench-results/machine.txt
$V bench idle --seconds 60 --modes scan,dirty-nodrop,dirty,dirty-nodrop/event,dirty/event --peers qemu-vbe,qemu-text --json > bench-results/idle.json
$V bench idle --seconds 60 --modes dirty/event --launch node,flags,bare --json > bench-results/idle-launch.json
$V bench idle --seconds 60 --guest bios --modes dirty/event --peers qemu-text,node-floor --repeat 3 --json > bench-results/idle-bios.json
$V bench idle --seconds 60 --guest desktop --modes dirty/event --repeat 3 --json > bench-results/idle-desktop.json
$V bench idle --seconds 30 --clients 100 --modes dirty/event --json > bench-results/idle-100.json
$V bench latency --samples 200 --json > bench-results/latency.json
$V bench throughput --seconds 5 --clients 1,10,100 --encodings Raw --json > bench-results/throughput.json
$V bench throughput --seconds 5 --clients 1,10 --encodings Zlib,ZRLE,Tight --json > bench-results/throughput-lossless.json
$V bench guest --json > bench-results/guest.json
$V bench slow-client --seconds 60 > bench-results/slow-client.json
$V bench encode > bench-results/encode.txt
$V bench encode --peers x11vnc,xvnc --iterations 10 --warmup 10 --json > bench-results/encode-peers.json
# five times more: its CPU ratios move by up to 0.5 from run to run here, BENCHMARKS.md lists every run's
for k in 2 3 4 5 6; do $V bench encode --peers x11vnc,xvnc --iterations 10 --warmup 10 --json > bench-results/encode-peers-$k.json; done
$V bench plot --idle bench-results/idle.json --latency bench-results/latency.json --out docs
$V bench v86 --idle-seconds 60 --settle-seconds 30 --latency-samples 10 --repeat 3 --json > bench-results/v86.json
# --tracking hw (needs the hwtrack addon and Linux 6.7+; rows say what ran where it falls back)
$V bench idle --seconds 60 --modes dirty,hw,dirty/event,hw/event --repeat 3 --json > bench-results/hw-idle.json
$V bench idle --seconds 60 --guest desktop --modes dirty/event,hw/event --json > bench-results/hw-idle-desktop.json
$V bench latency --samples 200 --modes dirty,hw,dirty/event,hw/event --json > bench-results/hw-latency.json
cp bench-results/guest.json bench-results/hw-guest.json
$V bench pages --guest random --seconds 10 --json > bench-results/hw-pages-random.json
$V bench pages --guest desktop --seconds 10 --json > bench-results/hw-pages-desktop.json
$V bench v86 --trackings dirty,hw --peers none --idle-seconds 60 --latency-samples 10 --json > bench-results/hw-v86.json
$V bench v86-idle --trackings dirty,hw --settle-seconds 30 --seconds 60 --repeat 5 --json > bench-results/hw-v86-idle.json
$V bench pages --machine v86 --rounds 8 --json > bench-results/hw-pages-v86.json
echo done
