# Sourced by ./jvmm, ./test.sh and .ci/run: sets JAVA_HOME to a JDK >= 22, or explains why not.
# Order: $JAVA_HOME if it is new enough, then the newest JDK under /usr/lib/jvm.
jvmm_java_major() {  # prints the feature version of the JDK whose java binary is $1, or nothing
  # The JDK's release file answers without starting a JVM (~0.1 s each); ask java itself otherwise.
  local release v
  release="$(dirname "$(dirname "$1")")/release"
  if [ -r "$release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release" | head -n1)
    if [ -n "$v" ]; then echo "$v"; return; fi
  fi
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}
jvmm_find_jdk() {
  local cand major best="" best_major=0
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    major=$(jvmm_java_major "$JAVA_HOME/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 22 ]; then export JAVA_HOME; return 0; fi
    echo "jvmm: JAVA_HOME=$JAVA_HOME is JDK ${major:-?}; looking for a JDK >= 22 under /usr/lib/jvm" >&2
  fi
  for cand in /usr/lib/jvm/*; do
    [ -x "$cand/bin/javac" ] || continue
    major=$(jvmm_java_major "$cand/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 22 ] && [ "$major" -gt "$best_major" ]; then best=$cand; best_major=$major; fi
  done
  if [ -z "$best" ]; then
    echo "jvmm: no JDK >= 22 found (checked JAVA_HOME and /usr/lib/jvm/*); install one (e.g. Temurin 25) or set JAVA_HOME" >&2
    return 1
  fi
  export JAVA_HOME=$best
}
