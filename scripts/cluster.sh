#!/usr/bin/env bash
# Several dossier servers on one distributed MinIO behind HAProxy, all on
# this machine: the shape of a production set-up (README, "Several
# servers"), to try it and to test it.
#   scripts/cluster.sh          start everything, print the address; Ctrl-C stops it all
# It starts
#   - MinIO: four server processes on 127.0.0.1, one drive each, one
#     erasure set (2 data + 2 parity shards: any one node may die);
#   - dossier: three servers (bin built with go build into the cache),
#     each with its own data dir (BoltDB, search index), each reaching the
#     bucket through a MinIO node of its own, as if on its own machine;
#     the first seeds demo data into an empty bucket (dossier demo);
#   - HAProxy in front: round robin, no sticky sessions, a server leaves
#     the rotation while its /readyz fails.
# Settings (environment):
#   CLUSTER_DIR    where the drives, data dirs, logs and haproxy.cfg go;
#                  default a new temporary directory, removed at the end
#                  (a directory given is kept and used again)
#   CLUSTER_PORT   the address's port (HAProxy), default 8080
#   CLUSTER_SERVERS  how many dossier servers, default 3
#   CLUSTER_DEMO_CASES  cases of the demo data, default 40 (0: none, then
#                  the script creates the administrator `admin`)
#   CLUSTER_STICKY=1  pin each browser to one server (a cookie of HAProxy's);
#                  not needed: sessions are kept in the bucket (README,
#                  "Several servers"), it is there to compare
#   CLUSTER_MINIO_BASE, CLUSTER_SERVER_BASE  port bases of MinIO (9100:
#                  9101–9104) and of the dossier servers (8180: 8181, …)
# Needs: go, haproxy (scripts/install-test-deps.sh installs it), curl, and
# the MinIO server `make test` installs (or DOSSIER_MINIO_BIN).
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${XDG_CACHE_HOME:-$HOME/.cache}/dossier"
port="${CLUSTER_PORT:-8080}"
servers="${CLUSTER_SERVERS:-3}"
demo_cases="${CLUSTER_DEMO_CASES:-40}"
sticky="${CLUSTER_STICKY:-}"
[ "$sticky" = 1 ] || sticky=""
nodes=4
minio_base="${CLUSTER_MINIO_BASE:-9100}"     # S3 ports base+1…base+4, consoles base+11…
dossier_base="${CLUSTER_SERVER_BASE:-8180}" # dossier servers base+1, base+2, …

minio="${DOSSIER_MINIO_BIN:-}"
if [ -z "$minio" ]; then
	minio=$(ls -1 "$cache"/minio-*/minio 2>/dev/null | tail -n 1 || true)
fi
if [ -z "$minio" ] || [ ! -x "$minio" ]; then
	echo "no MinIO server: run make test-deps (it installs one into $cache) or set DOSSIER_MINIO_BIN" >&2
	exit 1
fi
if ! command -v haproxy >/dev/null; then
	echo "no haproxy: run scripts/install-test-deps.sh (as root: apt-get install haproxy)" >&2
	exit 1
fi

if [ -n "${CLUSTER_DIR:-}" ]; then
	dir="$CLUSTER_DIR"
	mkdir -p "$dir"
	keep=1
else
	dir=$(mktemp -d "${TMPDIR:-/tmp}/dossier-cluster-XXXXXX")
	keep=0
fi
dir=$(cd "$dir" && pwd)

pids=()
stop() {
	trap - INT TERM EXIT
	echo
	echo "stopping HAProxy, the dossier servers and MinIO"
	# Newest first: the proxy, then the servers (they mark their
	# projection clean), then the store.
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${pids[i]}" 2>/dev/null || true
		wait "${pids[i]}" 2>/dev/null || true
	done
	if [ "$keep" = 0 ]; then
		rm -rf "$dir"
	else
		echo "data kept in $dir"
	fi
}
trap stop EXIT
trap 'stop; exit 0' INT TERM

# wait_for URL WHAT LOG: until URL answers 200, or fail after two minutes
# showing the end of LOG.
wait_for() {
	for _ in $(seq 1 240); do
		if [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ]; then
			return 0
		fi
		sleep 0.5
	done
	echo "$2 did not answer 200 at $1 within two minutes; the end of $3:" >&2
	tail -n 30 "$3" >&2
	exit 1
}

bin="$cache/cluster-bin/dossier"
echo "building dossier into $bin"
go build -o "$bin" ./cmd/dossier

access=dossier
secret_file="$dir/minio-secret"
[ -s "$secret_file" ] || head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$secret_file"
secret=$(cat "$secret_file")

drives=()
for i in $(seq 1 $nodes); do
	drives+=("http://127.0.0.1:$((minio_base + i))$dir/minio$i/data")
done
echo "starting MinIO: $nodes nodes, one erasure set (ports $((minio_base + 1))–$((minio_base + nodes)))"
for i in $(seq 1 $nodes); do
	mkdir -p "$dir/minio$i"
	# MINIO_CI_CD: the drives are directories on the root file system,
	# which a distributed MinIO refuses otherwise. _MINIO_SERVER_LOCAL: in
	# a container MinIO will not take a loopback address for its own
	# until told which one is.
	MINIO_ROOT_USER=$access MINIO_ROOT_PASSWORD=$secret MINIO_BROWSER=off MINIO_UPDATE=off \
		MINIO_CI_CD=1 _MINIO_SERVER_LOCAL="127.0.0.1:$((minio_base + i))" \
		"$minio" server --quiet --address "127.0.0.1:$((minio_base + i))" \
		--console-address "127.0.0.1:$((minio_base + 10 + i))" "${drives[@]}" \
		>>"$dir/minio$i/minio.log" 2>&1 &
	pids+=($!)
done
for i in $(seq 1 $nodes); do
	wait_for "http://127.0.0.1:$((minio_base + i))/minio/health/cluster" "MinIO node $i" "$dir/minio$i/minio.log"
done

# The settings every dossier process shares; the CLI reads them too.
cat >"$dir/env" <<EOF
export DOSSIER_S3_ENDPOINT=127.0.0.1:$((minio_base + 1))
export DOSSIER_S3_ACCESS_KEY=$access
export DOSSIER_S3_SECRET_KEY=$secret
export DOSSIER_S3_BUCKET=dossier
export DOSSIER_DATA_DIR=$dir/cli
EOF
# shellcheck source=/dev/null
. "$dir/env"

if [ "$demo_cases" -gt 0 ]; then
	"$bin" demo --if-empty --cases "$demo_cases" --data-dir "$dir/server1"
elif "$bin" user add --name admin --role admin --password-stdin <<<'dossier-cluster' >/dev/null 2>"$dir/user-add.log"; then
	echo "created the administrator admin (password: dossier-cluster)"
else
	echo "administrator not created: $(tail -n 1 "$dir/user-add.log")"
fi

backends=""
for i in $(seq 1 "$servers"); do
	listen="127.0.0.1:$((dossier_base + i))"
	node=$(((i - 1) % nodes + 1))
	echo "starting dossier server $i on $listen (data dir $dir/server$i, MinIO node $node)"
	DOSSIER_S3_ENDPOINT="127.0.0.1:$((minio_base + node))" \
		"$bin" serve --listen "$listen" --data-dir "$dir/server$i" \
		--public-url "http://127.0.0.1:$port" --trusted-proxy 127.0.0.1 \
		>>"$dir/server$i.log" 2>&1 &
	pids+=($!)
	backends+="    server s$i $listen check inter 2s fall 2 rise 2${sticky:+ cookie s$i}"$'\n'
done
for i in $(seq 1 "$servers"); do
	wait_for "http://127.0.0.1:$((dossier_base + i))/readyz" "dossier server $i" "$dir/server$i.log"
done

cat >"$dir/haproxy.cfg" <<EOF
global
    maxconn 1000
defaults
    mode http
    timeout connect 5s
    timeout client 2m
    timeout server 2m
    option forwardfor
frontend dossier
    bind 127.0.0.1:$port
    default_backend servers
backend servers
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
${sticky:+    cookie dossier_server insert indirect nocache httponly}
$backends
EOF
haproxy -f "$dir/haproxy.cfg" -db >>"$dir/haproxy.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$port/readyz" "HAProxy" "$dir/haproxy.log"

base="http://127.0.0.1:$port"
session_note=""
cat <<EOF

dossier: $base  ($servers servers behind HAProxy, round robin${sticky:+ pinned per browser}; MinIO: $nodes nodes)
  web pages: sign in at $base/login as $([ "$demo_cases" -gt 0 ] && echo "a demo user (listed in $dir/server1.log), password dossier-demo" || echo "admin, password dossier-cluster")
$session_note  API:       TOKEN=\$(. $dir/env && $bin user token --name admin | tail -n 1)
             curl -H "Authorization: Bearer \$TOKEN" $base/api/v1/cases
  logs: $dir/server*.log, $dir/minio*/minio.log, $dir/haproxy.log
  try:  kill -KILL <a MinIO or dossier pid> and keep working; pids: ${pids[*]}
Ctrl-C stops everything.
EOF
# Until Ctrl-C, or until HAProxy ends (a server or a MinIO node killed
# to try failures does not end the script).
wait "${pids[-1]}" || true
echo "HAProxy ended; see $dir/haproxy.log" >&2
