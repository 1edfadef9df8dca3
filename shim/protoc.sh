#!/usr/bin/env bash
# Generates the Java messages of src/main/proto into TARGET/generated-sources/protobuf, with the protoc
# and include files the build copied to TARGET/protoc (pom.xml).
set -euo pipefail
target=$1
here=$(cd "$(dirname "$0")" && pwd)
out=$target/generated-sources/protobuf
rm -rf "$out" && mkdir -p "$out"
chmod +x "$target/protoc/protoc"
cd "$here/src/main/proto"
find . -name '*.proto' -print0 | sort -z |
  xargs -0 "$target/protoc/protoc" -I. -I"$target/protoc/include" --java_out="$out"
