#!/usr/bin/env bash
# Re-creates .jvmm-build/jvmm.aot, the JDK 25 AOT cache ./jvmm uses. ./jvmm already does this after
# every build of the jars; run this by hand after changing the JDK or JVMM_JAVA_OPTS.
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)/jvmm" --train-aot
