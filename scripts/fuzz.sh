#!/usr/bin/env bash
# Fuzzes every target for a bounded time: the Jazzer targets of virtio, guest-agent and image, and
# the C agent's libFuzzer harness (skipped, with the reason, without clang). CI runs it after
# ./test.sh (.ci/run) with 15 s per target.
#   scripts/fuzz.sh              20 s per target
#   scripts/fuzz.sh 3600         an hour per target
# Extra arguments go to Maven, e.g. scripts/fuzz.sh 600 -pl image -am
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find-jdk.sh
jvmm_find_jdk || exit 1
export PATH="$JAVA_HOME/bin:$PATH"

seconds=20
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then seconds=$1; shift; fi
modules=(-pl virtio,guest-agent,image -am)
for a in "$@"; do [ "$a" = -pl ] && modules=(); done
echo "fuzz.sh: ${seconds} s per target; a crashing input lands in the target's inputs directory (README, Fuzzing)" >&2
exec mvn -B -ntp -Pfuzz -Djvmm.fuzz.seconds="$seconds" "${modules[@]}" verify "$@"
