#!/usr/bin/env bash
# Runs jvmm's whole test suite: builds the guest kernel (cached outside the repo), the probe guests
# and the jars, then every test, including the slow real-Linux boots (JUnit tag "linux").
#   ./test.sh          everything
#   ./test.sh --fast   unit tests and probe guests only (skips the kernel build and Linux boots)
# Extra arguments go to Maven, e.g. ./test.sh --fast -pl vmm-core -am
set -euo pipefail
cd "$(dirname "$0")"
. scripts/find-jdk.sh
jvmm_find_jdk || exit 1
export PATH="$JAVA_HOME/bin:$PATH"

fast=0
if [ "${1:-}" = "--fast" ]; then fast=1; shift; fi

# install, not verify: each module lands in the local repository as the build goes, and
# examples/junit-consumer (cli's JunitConsumerLinuxTest) consumes them as a user would.
args=(-B -ntp install)
if [ $fast = 1 ]; then
  args+=(-Djvmm.excludedGroups=linux)
else
  echo "test.sh: building the guest kernel (cached after the first build)..." >&2
  JVMM_KERNEL_DIR=$(kernel/build.sh | tail -n 1)
  export JVMM_KERNEL_DIR
  echo "test.sh: kernel in $JVMM_KERNEL_DIR" >&2
fi
echo "test.sh: JDK $JAVA_HOME" >&2
exec mvn "${args[@]}" "$@"
