#!/usr/bin/env bash
# Start-up time: from running a command to the first 200 from /ready, in wall-clock seconds and CPU
# seconds (the whole process tree: npm, the bundle check, the server). Each case runs RUNS times.
#   npm run bench:start                 # after `npm install`: first start, warm starts, and the old way
#   nice -n -15 npm run bench:start     # (as root) on a machine other work keeps busy: closer to an idle one
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tick=$(getconf CLK_TCK)

cpu_of_tree() { # utime+stime of a process and all below it, including waited-for children, in ticks
  local total=0 pid f
  read -r -a f < <(sed 's/^.*) //' /proc/"$1"/stat) || { echo 0; return; }
  total=$((f[11] + f[12] + f[13] + f[14]))
  for pid in $(cat /proc/"$1"/task/*/children 2>/dev/null); do total=$((total + $(cpu_of_tree "$pid"))); done
  echo "$total"
}

measure() { # measure LABEL DATA_DIR COMMAND...
  local label=$1 data=$2; shift 2
  local start end pid cpu
  start=$(date +%s.%N)
  # A process group of its own: tsx's CLI runs the server in a child that a TERM to tsx alone would orphan.
  PORT=$port THREADLINE_DATA_DIR=$data setsid "$@" >"$work/log" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/ready"; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/log"; exit 1; }
    sleep 0.02
  done
  end=$(date +%s.%N)
  cpu=$(cpu_of_tree "$pid")
  kill -TERM -- -"$pid"; wait "$pid" || true
  printf '| %s | %.2f | %.2f | %s |\n' "$label" "$(echo "$end - $start" | bc)" "$(echo "scale=2; $cpu / $tick" | bc)" "$(cut -d' ' -f1 /proc/loadavg)"
}

echo "| case | to first answer, s | CPU, s | load average |"
echo "|---|--:|--:|--:|"
for i in $(seq "$runs"); do
  rm -rf dist "$work/data"
  measure "first start after install: npm start builds dist/, creates the data folder" "$work/data" npm start
  measure "warm start: npm start" "$work/data" npm start
  measure "warm start: node dist/main.js (as in the image)" "$work/data" node dist/main.js
  measure "before: tsx src/main.ts (npm start without its prisma generate)" "$work/data" npx tsx src/main.ts
done
