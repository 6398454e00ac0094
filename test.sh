#!/usr/bin/env bash
# Runs every test of Vouch on a fresh machine: restores what the tests need, builds, runs each
# test project, and ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET 10 SDK (dotnet) is required" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet format Vouch.slnx --verify-no-changes --verbosity quiet >/dev/null 2>&1
format_rc=$?

if ! dotnet build Vouch.slnx -c Release --nologo -v quiet; then
  echo "test.sh: build failed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# Microsoft's MAA client (npm @azure/attestation, tests/interop/package.json; no lockfile, see its .npmrc) for
# tests/Vouch.Cli.Tests/Interop. Without it those tests fail (never skip); VOUCH_INTEROP_NPM tells them why.
if ! command -v npm >/dev/null 2>&1; then
  export VOUCH_INTEROP_NPM="npm is not installed (Node.js with npm is required)"
  echo "test.sh: npm is not installed: the @azure/attestation interop tests will fail" >&2
else
  npm_log=$(mktemp)
  if npm install --no-audit --no-fund --prefix tests/interop >"$npm_log" 2>&1; then
    export VOUCH_INTEROP_NPM=ok
  else
    npm_rc=$?
    export VOUCH_INTEROP_NPM="'npm install --prefix tests/interop' failed with exit code $npm_rc"
    echo "test.sh: 'npm install --no-audit --no-fund --prefix tests/interop' failed ($npm_rc); the interop tests will fail:" >&2
    tail -n 20 "$npm_log" >&2
  fi
  rm -f "$npm_log"
fi

passed=0; failed=0
log=$(mktemp)
for proj in tests/*/*.csproj; do
  name=$(basename "$(dirname "$proj")")
  echo "== $name"
  dotnet test --project "$proj" -c Release --no-build 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  p=$(grep -E '^\s*succeeded: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
  f=$(grep -E '^\s*failed: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
  if [ -z "$p" ] || [ -z "$f" ]; then
    echo "test.sh: $name did not report a summary" >&2
    p=${p:-0}; f=$(( ${f:-0} + 1 ))
  elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "test.sh: $name exited with $rc (no test ran, or the run crashed)" >&2
    f=1
  fi
  passed=$((passed + p)); failed=$((failed + f))
done
rm -f "$log"

# Coverage-guided fuzzing smoke run (fuzz/run.sh, docs/security.md): every SharpFuzz target under AFL++ (installed
# from Debian's packages when missing) for a few seconds each; a crash, a hang or a target that ran nothing fails.
echo "== fuzz smoke"
fuzz_log=$(mktemp)
fuzz/run.sh --smoke --seconds 3 2>&1 | tee "$fuzz_log"
fp=$(grep -E '^fuzz smoke: [0-9]+ passed, [0-9]+ failed' "$fuzz_log" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
ff=$(grep -E '^fuzz smoke: [0-9]+ passed, [0-9]+ failed' "$fuzz_log" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
if [ -z "$fp" ] || [ -z "$ff" ]; then
  echo "test.sh: the fuzz smoke run did not report a summary" >&2
  fp=0; ff=1
fi
passed=$((passed + fp)); failed=$((failed + ff))
rm -f "$fuzz_log"

if [ "$format_rc" -ne 0 ]; then
  echo "test.sh: 'dotnet format Vouch.slnx --verify-no-changes' found formatting to fix" >&2
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
