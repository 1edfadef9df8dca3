#!/usr/bin/env bash
# Generates the Java messages and gRPC stubs of src/main/proto into TARGET/generated-sources/protobuf, with
# the protoc, grpc-java plugin and include files the build copied to TARGET/protoc (pom.xml).
set -euo pipefail
target=$1
here=$(cd "$(dirname "$0")" && pwd)
out=$target/generated-sources/protobuf
rm -rf "$out" && mkdir -p "$out"
chmod +x "$target/protoc/protoc" "$target/protoc/protoc-gen-grpc-java"
cd "$here/src/main/proto"
find . -name '*.proto' -print0 | sort -z |
  xargs -0 "$target/protoc/protoc" -I. -I"$target/protoc/include" --java_out="$out" \
    --plugin=protoc-gen-grpc-java="$target/protoc/protoc-gen-grpc-java" --grpc-java_out="$out"
