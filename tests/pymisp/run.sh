#!/usr/bin/env bash
# Runs the real-client suite: the pinned PyMISP from PyPI against a real `cairn serve`.
#
#   tests/pymisp/run.sh [pytest args...]      e.g. tests/pymisp/run.sh -k organisation -x
#
# What it does:
#   1. creates (or reuses) a virtualenv at $CAIRN_PYMISP_VENV (default /var/tmp/cairn-pymisp-venv)
#      from tests/pymisp/requirements.txt; the venv is rebuilt whenever that file (or the
#      Python interpreter) changes;
#   2. builds the server (`cargo build --bin cairn`, CARGO_TARGET_DIR defaults to
#      /var/tmp/cairn-target);
#   3. starts `cairn serve` on 127.0.0.1:<free port> with a fresh temporary SQLite database and
#      a random 40-character site-admin key, and waits (bounded) for /servers/getVersion;
#   4. runs pytest on tests/pymisp with CAIRN_PYMISP_URL / CAIRN_PYMISP_KEY /
#      CAIRN_PYMISP_ADMIN_EMAIL / CAIRN_PYMISP_ORG_NAME in the environment;
#   5. always stops the server and removes its temporary files; pytest's exit code is the
#      script's exit code, and the server log is printed when it is not 0.
#
# Optional environment:
#   CAIRN_PYMISP_DATABASE_URL  run on another backend. A postgres:// or mysql:// URL is taken as
#                              an *admin* URL: a fresh database cairn_test_pymisp_<random> is
#                              created on that server for the run and dropped afterwards.
#                              Any other URL (sqlite:...) is passed to the server unchanged.
#   CAIRN_PYMISP_REDIS_URL     passed to the server as CAIRN_REDIS_URL.
#   CAIRN_PYMISP_START_TIMEOUT seconds to wait for the server to answer (default 60).
#   CAIRN_PYMISP_VENV          virtualenv location (default /var/tmp/cairn-pymisp-venv).
#   CAIRN_PYTHON               interpreter used to create the virtualenv (default: python3).
#   CAIRN_PYMISP_SKIP_BUILD=1  do not run cargo build (use the binary already built).
# shellcheck disable=SC2317  # functions below are called from traps
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
REQUIREMENTS="$HERE/requirements.txt"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/cairn-target}"
case "$CARGO_TARGET_DIR" in
    /*) ;;
    *) CARGO_TARGET_DIR="$ROOT/$CARGO_TARGET_DIR" ;;
esac
VENV="${CAIRN_PYMISP_VENV:-/var/tmp/cairn-pymisp-venv}"
START_TIMEOUT="${CAIRN_PYMISP_START_TIMEOUT:-60}"

log() { printf '[pymisp] %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# Clean-up: registered before anything is started, runs on every exit path.
# ---------------------------------------------------------------------------------------------
WORKDIR=""
SERVER_PID=""
DB_DROP_CMD=()

stop_server() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            log "server did not stop on SIGTERM; sending SIGKILL"
            kill -KILL "$SERVER_PID" 2>/dev/null || true
        fi
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}

print_server_log() {
    local logfile="$WORKDIR/server.log"
    if [[ -n "$WORKDIR" && -f "$logfile" ]]; then
        local lines
        lines=$(wc -l <"$logfile")
        echo "=================== cairn server log (last 400 of $lines lines) ===================" >&2
        tail -n 400 "$logfile" >&2 || true
        echo "=================== end of server log ===================" >&2
    fi
}

cleanup() {
    local rc=$?
    set +e
    stop_server
    if [[ $rc -ne 0 ]]; then
        print_server_log
    fi
    if [[ ${#DB_DROP_CMD[@]} -gt 0 ]]; then
        "${DB_DROP_CMD[@]}" >/dev/null 2>&1 || log "could not drop the temporary database (ignored)"
    fi
    if [[ -n "$WORKDIR" && -d "$WORKDIR" ]]; then
        rm -rf "$WORKDIR"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# 1. Virtualenv, cached and keyed by the requirements file + interpreter.
# ---------------------------------------------------------------------------------------------
pick_python() {
    local candidates=()
    if [[ -n "${CAIRN_PYTHON:-}" ]]; then
        candidates+=("$CAIRN_PYTHON")
    fi
    candidates+=(python3 /usr/bin/python3 python3.13 python3.12 python3.11 python3.10)
    local py
    for py in "${candidates[@]}"; do
        if command -v "$py" >/dev/null 2>&1 &&
            "$py" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 10) else 1)' >/dev/null 2>&1; then
            command -v "$py"
            return 0
        fi
    done
    return 1
}

PYTHON="$(pick_python)" || {
    log "no Python >= 3.10 with the venv and ensurepip modules found (Debian: apt-get install python3-venv)"
    exit 2
}
PY_ID="$("$PYTHON" -c 'import sys; print(sys.version.split()[0], sys.executable)')"
REQ_KEY="$( { cat "$REQUIREMENTS"; echo "$PY_ID"; } | sha256sum | cut -d' ' -f1)"
STAMP="$VENV/.cairn-requirements.sha256"

ensure_venv() {
    if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$REQ_KEY" ]] &&
        "$VENV/bin/python" -c 'import pymisp, pytest' >/dev/null 2>&1; then
        log "reusing virtualenv $VENV"
        return 0
    fi
    log "building virtualenv $VENV with $PY_ID"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
        "$VENV/bin/python" -m pip install --quiet --requirement "$REQUIREMENTS"
    echo "$REQ_KEY" >"$STAMP"
}

mkdir -p "$(dirname "$VENV")"
if command -v flock >/dev/null 2>&1; then
    # Two concurrent runs must not build the same venv at once.
    exec 9>"$VENV.lock"
    flock -w 600 9 || { log "timed out waiting for the virtualenv lock $VENV.lock"; exit 2; }
    ensure_venv
    flock -u 9
    exec 9>&-
else
    ensure_venv
fi
VPY="$VENV/bin/python"

# ---------------------------------------------------------------------------------------------
# 2. Build the server.
# ---------------------------------------------------------------------------------------------
if [[ "${CAIRN_PYMISP_SKIP_BUILD:-0}" != "1" ]]; then
    log "cargo build --bin cairn (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
    (cd "$ROOT" && cargo build --bin cairn)
fi
BIN="$CARGO_TARGET_DIR/debug/cairn"
if [[ ! -x "$BIN" ]]; then
    log "server binary not found at $BIN"
    exit 2
fi

# ---------------------------------------------------------------------------------------------
# 3. Fresh database + server.
# ---------------------------------------------------------------------------------------------
WORKDIR="$(mktemp -d "${TMPDIR:-/tmp}/cairn-pymisp.XXXXXX")"

ADMIN_KEY="$("$VPY" -c 'import secrets, string; a = string.ascii_letters + string.digits; print("".join(secrets.choice(a) for _ in range(40)))')"
ADMIN_EMAIL="admin@admin.test"
ORG_NAME="ORGNAME"
ADMIN_PASSWORD="$("$VPY" -c 'import secrets; print("Cairn-" + secrets.token_urlsafe(18) + "-1a")')"

# Rewrites the database name of a postgres:// or mysql:// URL; prints the new URL.
url_with_db() {
    "$VPY" - "$1" "$2" <<'PY'
import sys
from urllib.parse import urlsplit, urlunsplit
url, db = sys.argv[1], sys.argv[2]
p = urlsplit(url)
print(urlunsplit((p.scheme, p.netloc, "/" + db, p.query, p.fragment)))
PY
}

# Prints mariadb client arguments (one a line) for a mysql:// URL.
mysql_args() {
    "$VPY" - "$1" <<'PY'
import sys
from urllib.parse import urlsplit, unquote
p = urlsplit(sys.argv[1])
print("--protocol=TCP")
print("-h" + (p.hostname or "127.0.0.1"))
print("-P" + str(p.port or 3306))
print("-u" + unquote(p.username or "root"))
if p.password:
    print("--password=" + unquote(p.password))
PY
}

DB_SOURCE="${CAIRN_PYMISP_DATABASE_URL:-}"
DB_LABEL="sqlite (temporary file)"
case "$DB_SOURCE" in
    "")
        DATABASE_URL="sqlite://$WORKDIR/cairn.db?mode=rwc"
        ;;
    postgres://* | postgresql://*)
        command -v psql >/dev/null 2>&1 || { log "psql is needed for CAIRN_PYMISP_DATABASE_URL=postgres://..."; exit 2; }
        DB_NAME="cairn_test_pymisp_$("$VPY" -c 'import secrets; print(secrets.token_hex(6))')"
        psql "$DB_SOURCE" -v ON_ERROR_STOP=1 -qAtc "CREATE DATABASE $DB_NAME" >/dev/null
        DB_DROP_CMD=(psql "$DB_SOURCE" -qAtc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)")
        DATABASE_URL="$(url_with_db "$DB_SOURCE" "$DB_NAME")"
        DB_LABEL="postgres (database $DB_NAME)"
        ;;
    mysql://* | mariadb://*)
        MYSQL_CLIENT="$(command -v mariadb || command -v mysql || true)"
        [[ -n "$MYSQL_CLIENT" ]] || { log "the mariadb client is needed for CAIRN_PYMISP_DATABASE_URL=mysql://..."; exit 2; }
        mapfile -t MYARGS < <(mysql_args "$DB_SOURCE")
        DB_NAME="cairn_test_pymisp_$("$VPY" -c 'import secrets; print(secrets.token_hex(6))')"
        "$MYSQL_CLIENT" "${MYARGS[@]}" -e "CREATE DATABASE \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        DB_DROP_CMD=("$MYSQL_CLIENT" "${MYARGS[@]}" -e "DROP DATABASE IF EXISTS \`$DB_NAME\`")
        DATABASE_URL="$(url_with_db "$DB_SOURCE" "$DB_NAME")"
        DATABASE_URL="mysql://${DATABASE_URL#*://}"
        DB_LABEL="mysql (database $DB_NAME)"
        ;;
    *)
        DATABASE_URL="$DB_SOURCE"
        DB_LABEL="$DB_SOURCE (used as given)"
        ;;
esac

free_port() {
    "$VPY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Polls GET /servers/getVersion with the admin key until it answers 200 (exit 0), the server
# process dies (exit 3) or the deadline passes (exit 4).
wait_ready() {
    "$VPY" - "$1" "$ADMIN_KEY" "$SERVER_PID" "$START_TIMEOUT" <<'PY'
import os, sys, time, urllib.request, urllib.error
url, key, pid, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
deadline = time.monotonic() + timeout
last = "no answer yet"
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        print(f"server process {pid} exited before answering ({last})", file=sys.stderr)
        sys.exit(3)
    req = urllib.request.Request(url + "/servers/getVersion",
                                 headers={"Authorization": key, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            if r.status == 200:
                sys.exit(0)
            last = f"HTTP {r.status}"
    except urllib.error.HTTPError as e:
        last = f"HTTP {e.code}: {e.read()[:200]!r}"
    except Exception as e:  # connection refused while starting, etc.
        last = repr(e)
    time.sleep(0.25)
print(f"server did not answer /servers/getVersion with 200 within {timeout:.0f}s ({last})", file=sys.stderr)
sys.exit(4)
PY
}

start_server() {
    local port="$1"
    (
        cd "$WORKDIR"
        unset CAIRN_REDIS_URL CAIRN_DATABASE_URL
        export CAIRN_LISTEN="127.0.0.1:$port"
        export CAIRN_DATABASE_URL="$DATABASE_URL"
        export CAIRN_ORG_NAME="$ORG_NAME"
        export CAIRN_ADMIN_EMAIL="$ADMIN_EMAIL"
        export CAIRN_ADMIN_PASSWORD="$ADMIN_PASSWORD"
        export CAIRN_ADMIN_KEY="$ADMIN_KEY"
        export CAIRN_BASE_URL="http://127.0.0.1:$port"
        export CAIRN_LOG="${CAIRN_LOG:-info}"
        if [[ -n "${CAIRN_PYMISP_REDIS_URL:-}" ]]; then
            export CAIRN_REDIS_URL="$CAIRN_PYMISP_REDIS_URL"
        fi
        exec "$BIN" serve
    ) >>"$WORKDIR/server.log" 2>&1 </dev/null &
    SERVER_PID=$!
}

URL=""
for attempt in 1 2 3; do
    PORT="$(free_port)"
    URL="http://127.0.0.1:$PORT"
    echo "---- attempt $attempt: cairn serve on $URL, database: $DB_LABEL" >>"$WORKDIR/server.log"
    log "starting cairn serve on $URL (database: $DB_LABEL${CAIRN_PYMISP_REDIS_URL:+, redis: $CAIRN_PYMISP_REDIS_URL})"
    start_server "$PORT"
    set +e
    wait_ready "$URL"
    ready_rc=$?
    set -e
    if [[ $ready_rc -eq 0 ]]; then
        break
    fi
    stop_server
    if [[ $ready_rc -eq 3 ]] && grep -qi 'address already in use\|addrinuse' "$WORKDIR/server.log" && [[ $attempt -lt 3 ]]; then
        log "port $PORT was taken; retrying on another port"
        continue
    fi
    log "the server did not start"
    exit 1
done
log "server ready (pid $SERVER_PID)"

# ---------------------------------------------------------------------------------------------
# 4. pytest.
# ---------------------------------------------------------------------------------------------
set +e
(
    cd "$HERE"
    export CAIRN_PYMISP_URL="$URL"
    export CAIRN_PYMISP_KEY="$ADMIN_KEY"
    export CAIRN_PYMISP_ADMIN_EMAIL="$ADMIN_EMAIL"
    export CAIRN_PYMISP_ORG_NAME="$ORG_NAME"
    export PYTHONDONTWRITEBYTECODE=1
    exec "$VPY" -m pytest -p no:cacheprovider -ra "$@"
)
rc=$?
set -e
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    log "the server process died during the test run"
    [[ $rc -ne 0 ]] || rc=1
fi
if [[ $rc -ne 0 ]]; then
    log "pytest exited with $rc"
fi
exit "$rc"
