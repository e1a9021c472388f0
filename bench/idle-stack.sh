#!/usr/bin/env bash
# bench/run idle-stack: what the whole stack that `./vigil up` starts costs while it does nothing (issue 23, design
# 0021). It starts the stack twice in one run, each time from an empty home and with no camera (CAMERA_SOURCES=none:
# the stack before any camera, as issue 23 measured it; deleting the synthetic camera after "Vigil is up" raced its
# registration, which capture makes once Kafka answers, and once left it running, design 0033), lets the JVMs warm up,
# then reads every process of the stack (the launcher with Kafka, PostgreSQL's processes, Redis, the six services)
# from /proc over successive windows:
#   - start-up: from the launch to "Vigil is up";
#   - CPU: % of one core, user + system, summed over the processes;
#   - memory: PSS (each shared page divided among the processes that share it; RSS double-counts them) and RSS.
# The first run uses Vigil's shipped JVM options; the baseline run the JVM's own defaults for the same services
# (VIGIL_JAVA_OPTS undoing Vigil's: a heap that starts at its maximum, C2 everywhere, performance counters on), so
# the ratio shows what the tuning buys. Exits 1 when the shipped stack misses a goal: idle CPU <= 5 % of a core,
# PSS <= 1200 MB, start-up < 35 s.
# Idle means after start-up: a JVM compiles idle code as each piece of it passes the JIT's thresholds, which code run
# every few seconds does for tens of minutes after a start (design 0033: the compilers were 1.3 % of a core at 10 to
# 15 min and still 0.85 % at 23 to 28). So the stack is read in successive windows from 10 min after start-up, each
# printed with the compilers' share, and the last (25 to 30 min by default) is the figure; memory is read at its end,
# when the JIT has added the most code. A window is 5 min: the stack's periodic work comes every 5 min (the
# launcher's heap collection, Kafka clients' metadata refresh), so a window of that length sees each once, where one
# of 60 s saw either none of it or all of it (design 0031).
# Environment: IDLE_SETTLE (s, default 600) after start-up, IDLE_WINDOW (s, default 300), IDLE_WINDOWS
# (default 4), IDLE_BASELINE=0 to skip the baseline run, IDLE_DETAIL=1 to print each process's share of the last
# window as well. Stop any stack of yours first: the runs use the default ports.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SETTLE="${IDLE_SETTLE:-600}"
WINDOW="${IDLE_WINDOW:-300}"
WINDOWS="${IDLE_WINDOWS:-4}"
TICKS="$(getconf CLK_TCK)"
GOAL_CPU=5
GOAL_PSS_MB=1200
GOAL_START_S=35
WORK="$(mktemp -d "${TMPDIR:-/tmp}/vigil-idle.XXXXXX")"
STACK_PID=""

stop_stack() {
  if [ -n "$STACK_PID" ] && kill -0 "$STACK_PID" 2>/dev/null; then
    kill -TERM "$STACK_PID" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$STACK_PID" 2>/dev/null || break; sleep 0.5; done
  fi
  pkill -9 -f "$WORK/" 2>/dev/null || true
  STACK_PID=""
}
trap 'stop_stack; rm -rf "$WORK"' EXIT

descendants() {
  local p="$1"
  echo "$p"
  for c in $(pgrep -P "$p" || true); do descendants "$c"; done
}

# the processes of the running stack: the launcher's tree, and PostgreSQL's (pg_ctl detaches it from the launcher)
stack_pids() {
  local home="$1" pm
  {
    descendants "$STACK_PID"
    for pm in $(pgrep -f "postgres -D $home/postgres" || true); do descendants "$pm"; done
  } | sort -un
}

# a short name for one process of the stack: the service's jar, or the server's program
proc_name() {
  local cmd
  cmd="$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true)"
  case "$cmd" in
    *devstack*) echo launcher+kafka ;;
    *quarkus-run.jar*) { readlink "/proc/$1/cwd"; echo " $cmd"; } | grep -o '[a-z-]*-service\|gateway' | head -n 1 ;;
    *) awk '{print $1}' <<<"$cmd" | xargs -r basename 2>/dev/null || echo "?" ;;
  esac
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# the CPU ticks of the JIT compiler threads of the given processes, summed (a compiler thread that has ended since
# is not counted: HotSpot starts and stops them as the queue grows and shrinks)
jit_ticks() {
  local p t sum=0
  for p in "$@"; do
    for t in /proc/"$p"/task/*; do
      case "$(cat "$t/comm" 2>/dev/null)" in
        C1\ Compiler*|C2\ Compiler*) sum=$((sum + $(sed 's/.*) //' "$t/stat" 2>/dev/null | awk '{print $12 + $13}' || echo 0))) ;;
      esac
    done
  done
  echo "$sum"
}

# run LABEL [VAR=value ...]: one stack, measured; prints one line and sets START_S, CPU_PCT, PSS_MB, RSS_MB
run() {
  local label="$1"
  shift
  local home="$WORK/$label" out="$WORK/$label.out"
  mkdir -p "$home"
  local t0=$SECONDS
  env CAMERA_SOURCES=none "$@" VIGIL_HOME="$home" VIGIL_SKIP_BUILD=1 ./vigil up >"$out" 2>&1 &
  STACK_PID=$!
  local deadline=$((SECONDS + 180))
  until grep -q "Vigil is up" "$out"; do
    if ! kill -0 "$STACK_PID" 2>/dev/null || [ $SECONDS -gt $deadline ]; then
      echo "idle-stack: the $label stack did not come up; its output:" >&2
      tail -n 30 "$out" >&2
      exit 3
    fi
    sleep 0.5
  done
  START_S="$(grep -o 'Vigil is up ([0-9.]* s)' "$out" | grep -o '[0-9.]*')"
  sleep "$SETTLE"
  local pids p w sum0=0 sum1=0 jit0=0 jit1=0 pss=0 rss=0
  pids="$(stack_pids "$home")"
  declare -A before=() now=()
  for p in $pids; do before[$p]="$(cpu_ticks "$p")"; done
  jit0="$(jit_ticks $pids)"
  # successive windows: the last is the figure, the earlier ones show how far the JIT had got
  for w in $(seq 1 "$WINDOWS"); do
    sleep "$WINDOW"
    sum0=0 sum1=0
    for p in $pids; do
      now[$p]="$(cpu_ticks "$p")"
      [ "${now[$p]}" = 0 ] && continue # gone meanwhile
      sum0=$((sum0 + ${before[$p]:-0}))
      sum1=$((sum1 + ${now[$p]}))
    done
    jit1="$(jit_ticks $pids)"
    awk -v d=$((sum1 - sum0)) -v j=$((jit1 - jit0)) -v t="$TICKS" -v w="$WINDOW" -v a=$((SETTLE + (w - 1) * WINDOW)) \
      'BEGIN {printf "  window %2d-%2d min: CPU %5.2f %% of a core, of which the JIT compilers %4.2f\n", a / 60, (a + w) / 60, 100 * d / t / w, 100 * j / t / w}'
    [ "$w" = "$WINDOWS" ] && break
    for p in $pids; do before[$p]="${now[$p]}"; done
    jit0="$jit1"
  done
  for p in $pids; do
    [ "${now[$p]}" = 0 ] && continue
    local one_pss
    one_pss="$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)"
    pss=$((pss + one_pss))
    [ -z "${IDLE_DETAIL:-}" ] || printf '  %-22s CPU %5.2f %%   PSS %4d MB\n' "$(proc_name "$p")" \
      "$(awk -v d=$((${now[$p]} - ${before[$p]:-0})) -v t="$TICKS" -v w="$WINDOW" 'BEGIN {printf "%.2f", 100 * d / t / w}')" \
      $((one_pss / 1024))
    rss=$((rss + $(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)))
  done
  CPU_PCT="$(awk -v d=$((sum1 - sum0)) -v t="$TICKS" -v w="$WINDOW" 'BEGIN {printf "%.2f", 100 * d / t / w}')"
  PSS_MB=$((pss / 1024))
  RSS_MB=$((rss / 1024))
  printf '%-9s start-up %5.1f s   idle CPU %5.2f %% of a core   PSS %5d MB   RSS %5d MB   (%d processes, last %s s window)\n' \
    "$label" "$START_S" "$CPU_PCT" "$PSS_MB" "$RSS_MB" "$(echo "$pids" | wc -w)" "$WINDOW"
  stop_stack
}

# built as ./vigil up builds: with the class-data archives
[ -n "${VIGIL_SKIP_BUILD:-}" ] || ./mvnw -q -B install -DskipTests -Dquarkus.package.jar.appcds.enabled=true >/dev/null
echo "idle stack: ./vigil up, no camera, ${SETTLE} s to settle, then ${WINDOWS} windows of ${WINDOW} s; the last is the figure"
run shipped
S_START=$START_S S_CPU=$CPU_PCT S_PSS=$PSS_MB
if [ "${IDLE_BASELINE:-1}" != 0 ]; then
  # the JVM's own defaults: initial heap at the maximum (1/64 of this machine's memory is more than -Xmx), the
  # default heap free ratios, tiered C2 everywhere, performance counters sampled, glibc's malloc arenas
  run jvm-defaults VIGIL_JAVA_OPTS="-Xms256m -XX:MinHeapFreeRatio=40 -XX:MaxHeapFreeRatio=70 -XX:TieredStopAtLevel=4 -XX:+UsePerfData" \
    MALLOC_ARENA_MAX=8
  awk -v a="$S_CPU" -v b="$CPU_PCT" -v c="$S_PSS" -v d="$PSS_MB" -v e="$S_START" -v f="$START_S" 'BEGIN {
    printf "shipped / jvm-defaults: CPU %.2f, PSS %.2f, start-up %.2f\n", a / b, c / d, e / f }'
fi
awk -v a="$S_CPU" -v c="$S_PSS" -v e="$S_START" -v gc="$GOAL_CPU" -v gp="$GOAL_PSS_MB" -v gs="$GOAL_START_S" 'BEGIN {
  printf "shipped / goal: CPU %.2f (goal %s %%), PSS %.2f (goal %s MB), start-up %.2f (goal < %s s)\n",
    a / gc, gc, c / gp, gp, e / gs, gs }'
missed=""
awk -v a="$S_CPU" -v g="$GOAL_CPU" 'BEGIN {exit !(a > g)}' && missed="$missed idle CPU;"
[ "$S_PSS" -le "$GOAL_PSS_MB" ] || missed="$missed memory;"
awk -v a="$S_START" -v g="$GOAL_START_S" 'BEGIN {exit !(a >= g)}' && missed="$missed start-up;"
if [ -n "$missed" ]; then
  echo "idle-stack: goal missed:$missed"
  exit 1
fi
echo "idle-stack: every goal met"
