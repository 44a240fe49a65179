#!/usr/bin/env bash
# Runs ../shared/bench/registry-vs-peers.py like for like: against a CNCF registry (docker-registry, the
# Debian package the peers use) and a hoist registry that both start empty, on loopback ports of their own,
# so that neither already holds the bench images (the shared peer at 127.0.0.1:5000 keeps them from earlier
# runs, and skopeo then only HEADs there while an empty hoist uploads).
#   usage: registry-server/bench/like-for-like.sh [--rounds N]   (from the repository root, after mvn package)
# Ports: PEER_PORT (default 5102) and HOIST_PORT (default 5001). Prints the bench's table and the largest
# resident memory of the hoist registry while it ran.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
bench=${BENCH_DIR:-$repo/../shared/bench}
[ -f "$bench/registry-vs-peers.py" ] || bench=/work/shared/bench
peer_port=${PEER_PORT:-5102}
hoist_port=${HOIST_PORT:-5001}
work=$(mktemp -d /tmp/hoist-lfl-XXXXXX)
cat >"$work/peer.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/peer-data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$peer_port
YML
docker-registry serve "$work/peer.yml" >"$work/peer.log" 2>&1 &
peer=$!
HOIST_ROOT="$work/hoist-root" "$repo/hoist" registry serve --listen "127.0.0.1:$hoist_port" >"$work/hoist.log" 2>&1 &
hoist=$!
trap 'kill $peer $hoist 2>/dev/null; wait $peer $hoist 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 80); do
  curl -fs "http://127.0.0.1:$peer_port/v2/" >/dev/null && curl -fs "http://127.0.0.1:$hoist_port/v2/" >/dev/null && break
  sleep 0.25
done
( max=0; while kill -0 $hoist 2>/dev/null && [ ! -f "$work/done" ]; do
    r=$(awk '/VmRSS/{print $2}' /proc/$hoist/status 2>/dev/null || echo 0); [ "${r:-0}" -gt $max ] && max=$r; echo $max >"$work/rss"; sleep 0.5
  done ) &
sed -e "s|^here = .*|here = \"$bench\"|" \
    -e "s|\"peer\": \"127.0.0.1:5000\"|\"peer\": \"127.0.0.1:$peer_port\"|" "$bench/registry-vs-peers.py" >"$work/bench.py"
status=0
HOIST_REGISTRY="127.0.0.1:$hoist_port" python3 "$work/bench.py" "$@" || status=$?
touch "$work/done"
sleep 1
echo "hoist registry max RSS: $(( $(cat "$work/rss") / 1024 )) MiB"
exit $status
