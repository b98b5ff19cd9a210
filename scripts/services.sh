# Sourced by the scripts: the endpoint list, pinned tools, the local services the functions need
# (DynamoDB Local, a local Secrets Manager, MariaDB, the local API) and stop_started, which stops
# what they started and drops the databases in STARTED_DBS (docs/TESTING.md). Nothing here talks
# to AWS.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR="$ROOT/.local"
mkdir -p "$STATE_DIR"
STARTED_PIDS=() STARTED_GROUPS=() STARTED_DBS=()
CARGO_LAMBDA_VERSION=1.9.2
CFN_PINS=(cfn-lint==1.58.0 aws-sam-cli==1.170.0 aws-sam-translator==1.115.0 cloud-radar==0.17.0)

stop_started() {
  local id
  # Process groups first (the local API: cargo lambda, the cargo runs it started, the functions).
  for id in "${STARTED_GROUPS[@]:-}"; do [ -z "$id" ] || kill -- "-$id" 2>/dev/null || true; done
  for id in "${STARTED_GROUPS[@]:-}"; do [ -z "$id" ] || wait "$id" 2>/dev/null || true; done
  for id in "${STARTED_PIDS[@]:-}"; do [ -z "$id" ] || kill "$id" 2>/dev/null || true; done
  for id in "${STARTED_PIDS[@]:-}"; do [ -z "$id" ] || wait "$id" 2>/dev/null || true; done
  for id in "${STARTED_DBS[@]:-}"; do [ -z "$id" ] || drop_db "$id" 2>/dev/null || true; done
  STARTED_GROUPS=() STARTED_PIDS=() STARTED_DBS=()
  restore_sql_mode
}

# with_server_sql_mode MODE CMD...: CMD with the MariaDB server's global sql_mode MODE (every new
# session takes it, the functions' included), restored after (by stop_started if interrupted).
with_server_sql_mode() {
  local status=0
  SAVED_SQL_MODE=$(mysql -uroot -h127.0.0.1 -N -e 'SELECT @@GLOBAL.sql_mode')
  mysql -uroot -h127.0.0.1 -e "SET GLOBAL sql_mode = '$1'"
  shift
  "$@" || status=$?
  restore_sql_mode
  return "$status"
}
restore_sql_mode() {
  [ -n "${SAVED_SQL_MODE+set}" ] || return 0
  mysql -uroot -h127.0.0.1 -e "SET GLOBAL sql_mode = '$SAVED_SQL_MODE'" || true
  unset SAVED_SQL_MODE
}
# MySQL 8.0's default sql_mode (production is MySQL 8 on RDS).
MYSQL8_SQL_MODE=ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# retry N PID CMD...: CMD every 0.2 s until it succeeds, at most N times, and while PID (- for
# none) runs.
retry() {
  local n=$1 pid=$2
  shift 2
  for _ in $(seq "$n"); do
    "$@" && return 0
    [ "$pid" = - ] || kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# endpoints: one a line, in the contract's order: the local API's router in Cargo.toml, which the
# integration tests check against the Rust's list. Logical id in template.yaml: endpoint_id.
endpoints() {
  python3 -c 'import sys, tomllib
print(*tomllib.load(open(sys.argv[1], "rb"))["workspace"]["metadata"]["lambda"]["watch"]["router"].values(), sep="\n")' \
    "$ROOT/Cargo.toml"
}
endpoint_id() { # save_token_setting -> SaveTokenSettingFunction
  local word id=
  for word in ${1//_/ }; do id+=${word^}; done
  echo "${id}Function"
}

# ensure_venv NAME|PATH REQUIREMENT...: a virtualenv (NAME: under ~/.cache/wynacom-ci, outside the
# work tree, so a fresh clone reuses it) holding these pinned PyPI packages; sets VENV.
ensure_venv() {
  VENV=$1
  shift
  [[ $VENV == /* ]] || VENV="${XDG_CACHE_HOME:-$HOME/.cache}/wynacom-ci/$VENV"
  [ "$(cat "$VENV/.pins" 2>/dev/null)" != "$*" ] || return 0
  echo "== installing $* (PyPI) into $VENV"
  python3 -m venv "$VENV" &&
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@" &&
    echo "$*" >"$VENV/.pins"
}
# The template checks' tools and SAM CLI: WYNACOM_CI_VENV names another virtualenv for them.
ensure_cfn_venv() { ensure_venv "${WYNACOM_CI_VENV:-cfn-venv}" "${CFN_PINS[@]}"; }

# cargo-lambda (PyPI, pinned): the local Lambda runtime (cargo lambda watch).
ensure_cargo_lambda() {
  [ "$(cargo-lambda lambda --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LAMBDA_VERSION" ] || return 0
  echo "== installing cargo-lambda $CARGO_LAMBDA_VERSION (PyPI)"
  python3 -m pip install --quiet --disable-pip-version-check "cargo-lambda==$CARGO_LAMBDA_VERSION" &&
    { ! command -v pyenv >/dev/null 2>&1 || pyenv rehash; }
}

# start_dynamodb PORT: DynamoDB Local in memory (scripts/dynamodb-local); exports
# AWS_ENDPOINT_URL_DYNAMODB and dummy credentials (DynamoDB Local accepts any).
start_dynamodb() {
  local port=$1 pid
  # Run from .local/: DynamoDB Local writes a metadata file into its working directory.
  (cd "$STATE_DIR" && exec "$ROOT/scripts/dynamodb-local" "$port" >"$STATE_DIR/dynamodb-$port.log" 2>&1) &
  pid=$!
  STARTED_PIDS+=("$pid")
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=ap-southeast-3
  export AWS_EC2_METADATA_DISABLED=true
  retry 300 "$pid" curl -s -o /dev/null "$AWS_ENDPOINT_URL_DYNAMODB" ||
    { echo "DynamoDB Local did not start; see $STATE_DIR/dynamodb-$port.log" >&2; return 1; }
  echo "== DynamoDB Local on port $port"
}

# dynamodb_create_table NAME: the token table as template.yaml makes it.
dynamodb_create_table() { "$ROOT/scripts/dynamodb-create-table" "$1"; }

# start_secrets_manager PORT: a local Secrets Manager (moto's server mode, pinned); exports
# AWS_ENDPOINT_URL_SECRETS_MANAGER.
start_secrets_manager() {
  local port=$1
  ensure_venv moto-venv "moto[server]==5.2.5" || return 1
  "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$STATE_DIR/moto-$port.log" 2>&1 &
  STARTED_PIDS+=("$!")
  export AWS_ENDPOINT_URL_SECRETS_MANAGER="http://127.0.0.1:$port"
  retry 100 "$!" curl -s -o /dev/null "$AWS_ENDPOINT_URL_SECRETS_MANAGER/moto-api/" ||
    { echo "moto did not start; see $STATE_DIR/moto-$port.log" >&2; return 1; }
  echo "== Secrets Manager (moto) on port $port"
}

# ensure_mariadb: the machine's MariaDB on 127.0.0.1:3306, started if it is down.
ensure_mariadb() {
  local ping=(mysqladmin -uroot -h127.0.0.1 --connect-timeout=2 ping)
  if ! "${ping[@]}" >/dev/null 2>&1; then
    echo "== starting MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    retry 100 - "${ping[@]}" >/dev/null 2>&1 || true
  fi
  "${ping[@]}" >/dev/null && export MYSQL_ADMIN_URL="mysql://root@127.0.0.1:3306"
}

# load_demo_db NAME: (re)creates database NAME from db/schema.sql and db/demo.sql.
load_demo_db() { "$ROOT/scripts/load-demo-db" "$1"; }
drop_db() { mysql -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS \`$1\`"; }

# start_tls_mariadb PORT DATABASE: for the benchmark, a MariaDB server of its own on 127.0.0.1:PORT
# that requires TLS (a throwaway CA; data in .local/tls-mariadb-PORT), DATABASE with the demo data,
# and two users with random passwords and SELECT on it: TLS_MARIADB_USER must use TLS (a plain
# login is checked to be refused), TLS_MARIADB_PLAIN_USER may not. Exports those, their
# *_PASSWORD, TLS_MARIADB_PORT, TLS_MARIADB_DB, and TLS_MARIADB_CA, _CERT and _KEY (PEM files).
start_tls_mariadb() {
  local port=$1 db=$2 dir="$STATE_DIR/tls-mariadb-$1" pid out old
  # Data directories of servers no longer running (≈40 MB each) go.
  for old in "$STATE_DIR"/tls-mariadb-*; do
    [ -d "$old" ] || continue
    pid=$(cat "$old/mariadbd.pid" 2>/dev/null || true)
    { [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; } || rm -rf "$old"
  done
  mkdir -p "$dir/data"
  local sock="$dir/mariadbd.sock"
  local admin=(mysql --no-defaults --socket="$sock" -uroot) ping=(mysqladmin --no-defaults --socket="$sock" -uroot ping)
  (cd "$dir" &&
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Wynacom local test CA" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
      -keyout ca-key.pem -out ca.pem &&
    openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server-key.pem -out server.csr &&
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >server.ext &&
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
      -extfile server.ext -out server.pem) >"$dir/openssl.log" 2>&1 ||
    { echo "certificates not made; see $dir/openssl.log" >&2; return 1; }
  mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
    --skip-test-db --user=root --innodb-log-file-size=8M >"$dir/install.log" 2>&1 ||
    { echo "mariadb-install-db failed; see $dir/install.log" >&2; return 1; }
  mariadbd --no-defaults --datadir="$dir/data" --port="$port" --bind-address=127.0.0.1 \
    --socket="$sock" --pid-file="$dir/mariadbd.pid" --log-error="$dir/error.log" --user=root \
    --skip-log-bin --skip-name-resolve --innodb-buffer-pool-size=64M --innodb-log-file-size=8M \
    --ssl-ca="$dir/ca.pem" --ssl-cert="$dir/server.pem" --ssl-key="$dir/server-key.pem" \
    >"$dir/console.log" 2>&1 &
  STARTED_PIDS+=("$!")
  retry 150 "$!" "${ping[@]}" >/dev/null 2>&1 ||
    { echo "MariaDB with TLS did not start; see $dir/error.log" >&2; return 1; }
  export TLS_MARIADB_PORT=$port TLS_MARIADB_DB=$db TLS_MARIADB_CA="$dir/ca.pem"
  export TLS_MARIADB_CERT="$dir/server.pem" TLS_MARIADB_KEY="$dir/server-key.pem"
  export TLS_MARIADB_USER=wynacom_tls TLS_MARIADB_PLAIN_USER=wynacom_plain
  export TLS_MARIADB_PASSWORD TLS_MARIADB_PLAIN_PASSWORD
  TLS_MARIADB_PASSWORD=$(openssl rand -hex 16)
  TLS_MARIADB_PLAIN_PASSWORD=$(openssl rand -hex 16)
  "${admin[@]}" -e "CREATE DATABASE \`$db\` CHARACTER SET utf8mb4"
  cat "$ROOT/db/schema.sql" "$ROOT/db/demo.sql" | "${admin[@]}" "$db"
  # Through stdin: the passwords stay off command lines.
  "${admin[@]}" <<SQL
CREATE USER '$TLS_MARIADB_USER'@'127.0.0.1' IDENTIFIED BY '$TLS_MARIADB_PASSWORD' REQUIRE SSL;
GRANT SELECT ON \`$db\`.* TO '$TLS_MARIADB_USER'@'127.0.0.1';
CREATE USER '$TLS_MARIADB_PLAIN_USER'@'127.0.0.1' IDENTIFIED BY '$TLS_MARIADB_PLAIN_PASSWORD';
GRANT SELECT ON \`$db\`.* TO '$TLS_MARIADB_PLAIN_USER'@'127.0.0.1';
SQL
  local client=(mysql --no-defaults -h127.0.0.1 -P"$port" -u"$TLS_MARIADB_USER" -N -e 'SELECT 1' "$db")
  if out=$(MYSQL_PWD=$TLS_MARIADB_PASSWORD "${client[@]}" --skip-ssl 2>&1) || [[ $out != *"Access denied"* ]]; then
    echo "MariaDB with TLS: a plain login of $TLS_MARIADB_USER was not refused: $out" >&2
    return 1
  fi
  MYSQL_PWD=$TLS_MARIADB_PASSWORD "${client[@]}" --ssl --ssl-ca="$dir/ca.pem" --ssl-verify-server-cert >/dev/null ||
    { echo "MariaDB with TLS: a verified TLS login of $TLS_MARIADB_USER failed" >&2; return 1; }
  echo "== MariaDB with TLS on port $port (database $db; plain login of $TLS_MARIADB_USER refused)"
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

# release_binaries_built: target/release holds every binary of functions/src/bin.
release_binaries_built() {
  local f
  for f in "$ROOT"/functions/src/bin/*.rs; do [ -x "$ROOT/target/release/$(basename "$f" .rs)" ] || return 1; done
}

# start_local_api PORT ENV_FILE [--release]: the functions at
# http://127.0.0.1:PORT/one-api/tools/wynacom/<endpoint> (scripts/local-api), built first (the
# debug build, watched; --release: the release build), and waits until a function answers. Sets
# LOCAL_API_BASE and LOCAL_API_PID. The functions' log goes to $LOCAL_API_LOG (default
# .local/api-PORT.log; - for the terminal); LOCAL_API_CONCURRENCY=N: up to N instances each.
start_local_api() {
  local port=$1 env_file=$2 mode=${3:-} log=${LOCAL_API_LOG:-$STATE_DIR/api-$1.log}
  ensure_cargo_lambda || return 1
  echo "== building the functions${mode:+ (release)}"
  cargo build --quiet ${mode:+--release} -p wynacom-functions || return 1
  # setsid: its own process group, so that stopping it reaches every process it started.
  if [ "$log" = - ]; then
    setsid "$ROOT/scripts/local-api" "$port" "$env_file" $mode &
  else
    setsid "$ROOT/scripts/local-api" "$port" "$env_file" $mode >"$log" 2>&1 &
  fi
  LOCAL_API_PID=$!
  STARTED_GROUPS+=("$LOCAL_API_PID")
  LOCAL_API_BASE="http://127.0.0.1:$port/one-api/tools/wynacom"
  retry 300 "$LOCAL_API_PID" function_answers "$LOCAL_API_BASE/$(endpoints | head -n 1)" ||
    { echo "the local API did not start; see ${log/#-/its output above}" >&2; return 1; }
  echo "== local API on port $port"
}

# function_answers URL: the function at URL answers a GET with its own 405 (a runtime or a
# gateway without it would answer something else).
function_answers() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 "$1")" = 405 ]; }

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

# start_demo_api PORT DATABASE TABLE [--release]: what scripts/run-local serves: DynamoDB Local with
# the token table TABLE, the demo data in DATABASE (re-created), the local API on PORT.
start_demo_api() {
  local port=$1 db=$2 table=$3 mode=${4:-}
  start_dynamodb "$(free_port)" && dynamodb_create_table "$table" && ensure_mariadb && load_demo_db "$db" &&
    write_api_env "$STATE_DIR/api-$port.env" "$table" "$db" &&
    start_local_api "$port" "$STATE_DIR/api-$port.env" "$mode"
}

# with_api NAME CMD...: a throwaway token table and demo database (wynacom_NAME_<pid>) and the
# local API on them (release build), then CMD (LOCAL_API_BASE set, and API_ENV: the functions'
# environment file), then the API stops and the
# database goes (the table with the in-memory DynamoDB Local). CMD's status; 1 when the API did
# not start.
with_api() {
  local name="wynacom_${1}_$$" status=0
  shift
  STARTED_DBS+=("$name")
  API_ENV="$STATE_DIR/api-$name.env"
  dynamodb_create_table "$name" && load_demo_db "$name" && write_api_env "$API_ENV" "$name" "$name" &&
    start_local_api "$(free_port)" "$API_ENV" --release || status=1
  [ "$status" -ne 0 ] || "$@" || status=$?
  stop_local_api
  drop_db "$name" || true
  return "$status"
}
