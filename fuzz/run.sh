#!/usr/bin/env bash
# Coverage-guided fuzzing of Vouch's input readers with AFL++ and SharpFuzz (fuzz/README.md, docs/security.md).
#
#   fuzz/run.sh TARGET [--seconds N | --execs N] [--work DIR]   fuzz one target (vouch-fuzz list names them)
#   fuzz/run.sh --smoke [--seconds N]                          every target briefly (./test.sh runs this)
#
# Each run publishes the harness to its own folder, instruments Vouch's assemblies there with SharpFuzz (the normal
# build is untouched), writes the seed corpus from ../shared/vectors, runs afl-fuzz, replays any crash or hang through
# the replay mode of an uninstrumented copy, and prints one line per target:
#   fuzz TARGET: execs N, execs/s N, edges found N, coverage P%, crashes N, hangs N
# It exits non-zero when a target crashed or hung, or ran no input at all.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# The harness runs from its publish folder, so it is told where the vectors are (read in place, never copied).
export VOUCH_VECTORS=${VOUCH_VECTORS:-$(cd ../shared/vectors 2>/dev/null && pwd)}

mode=one; target=""; seconds=""; execs=""; work=""
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) mode=smoke ;;
    --seconds) seconds="$2"; shift ;;
    --execs) execs="$2"; shift ;;
    --work) work="$2"; shift ;;
    -*) echo "fuzz/run.sh: unknown option $1" >&2; exit 2 ;;
    *) target="$1" ;;
  esac
  shift
done
if [ "$mode" = one ] && [ -z "$target" ]; then
  echo "usage: fuzz/run.sh TARGET [--seconds N | --execs N] [--work DIR] | fuzz/run.sh --smoke [--seconds N]" >&2
  exit 2
fi

if ! command -v afl-fuzz >/dev/null 2>&1; then
  # Debian's AFL++; CI runs as root on a fresh machine, so the script installs what it needs.
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++) >/dev/null 2>&1
  fi
  command -v afl-fuzz >/dev/null 2>&1 || { echo "fuzz/run.sh: afl-fuzz is not installed (Debian package afl++)" >&2; exit 1; }
fi

keep_work=${work:+yes}
work=${work:-$(mktemp -d -t vouch-fuzz.XXXXXX)}
# Two copies: instrumented code writes its trace to AFL's shared memory and crashes anywhere else, so seeds and
# replays run on a plain copy of the same build.
bin="$work/bin" plain="$work/plain"
if [ ! -x "$bin/vouch-fuzz" ]; then
  dotnet tool restore >/dev/null || { echo "fuzz/run.sh: dotnet tool restore (SharpFuzz.CommandLine) failed" >&2; exit 1; }
  dotnet publish fuzz/Vouch.Fuzz -c Release -o "$plain" --nologo -v quiet >/dev/null || { echo "fuzz/run.sh: publish failed" >&2; exit 1; }
  rm -rf "$bin"; cp -r "$plain" "$bin"
  # Instrument Vouch's own assemblies (the code under test), not the harness, the BCL or the packages.
  for assembly in Vouch.Sgx Vouch.Policy Vouch.Attestation Vouch.Server; do
    dotnet sharpfuzz "$bin/$assembly.dll" >/dev/null || { echo "fuzz/run.sh: instrumenting $assembly failed" >&2; exit 1; }
  done
fi

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 AFL_QUIET=1

# fuzz_one TARGET: afl-fuzz bounded by time or executions, then the summary line. Returns 1 on a finding.
fuzz_one() {
  local t=$1 in="$work/in/$1" out="$work/out/$1" limit=()
  rm -rf "$out"; mkdir -p "$out"
  "$plain/vouch-fuzz" seeds "$t" "$in" >/dev/null || { echo "fuzz $t: no seeds" >&2; return 1; }
  # A bound on the wall clock too, in case afl-fuzz itself stalls (at least 200 executions a second are expected).
  local cap
  if [ -n "$execs" ]; then limit=(-E "$execs"); cap=$(( execs / 200 + 600 )); else limit=(-V "${seconds:-3}"); cap=$(( ${seconds:-3} + 600 )); fi
  # -t: a .NET input taking over 2 s is a hang; -m none: the runtime reserves far more address space than AFL's default.
  timeout --kill-after=10 "$cap" afl-fuzz -i "$in" -o "$out" -t 2000 -m none "${limit[@]}" -- "$bin/vouch-fuzz" run "$t" \
    >"$out/afl.log" 2>&1
  local stats="$out/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then
    echo "fuzz $t: afl-fuzz did not start (see $out/afl.log)"; tail -n 15 "$out/afl.log" >&2; return 1
  fi
  field() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
  local done_=$(field execs_done) rate=$(field execs_per_sec) edges=$(field edges_found) cvg=$(field bitmap_cvg)
  local crashes=$(field saved_crashes) hangs=$(field saved_hangs)
  echo "fuzz $t: execs $done_, execs/s $rate, edges found $edges, coverage $cvg, crashes ${crashes:-0}, hangs ${hangs:-0}"
  if [ "${crashes:-0}" != 0 ] || [ "${hangs:-0}" != 0 ]; then
    ls "$out"/default/crashes/id:* "$out"/default/hangs/id:* 2>/dev/null | head -n 20 | while read -r f; do
      "$plain/vouch-fuzz" replay "$t" "$f" >/dev/null 2>"$out/replay.err" || cat "$out/replay.err" >&2
      echo "  finding kept: $f" >&2
    done
    return 1
  fi
  [ "${done_:-0}" -gt 0 ]
}

if [ "$mode" = smoke ]; then
  passed=0; failed=0
  for t in $("$plain/vouch-fuzz" list); do
    if fuzz_one "$t"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  done
  echo "fuzz smoke: $passed passed, $failed failed (work folder $work)"
  # A clean smoke run leaves nothing behind; a failed one keeps its findings for the report above.
  if [ "$failed" -eq 0 ] && [ -z "$keep_work" ]; then rm -rf "$work"; fi
  [ "$failed" -eq 0 ]
else
  fuzz_one "$target"
fi
