#!/usr/bin/env bash
# Generates the Java classes of MODULE/src/main/proto into TARGET/generated-sources/protobuf with the
# protoc and include files the module's build copied to TARGET/protoc, and its gRPC stubs too when the
# build copied protoc-gen-grpc-java there (shim/pom.xml, cri-client/pom.xml).
#   scripts/protoc.sh MODULE_DIR TARGET_DIR
set -euo pipefail
module=$1
target=$2
out=$target/generated-sources/protobuf
rm -rf "$out" && mkdir -p "$out"
args=(-I. -I"$target/protoc/include" --java_out="$out")
chmod +x "$target/protoc/protoc"
if [ -f "$target/protoc/protoc-gen-grpc-java" ]; then
  chmod +x "$target/protoc/protoc-gen-grpc-java"
  args+=(--plugin=protoc-gen-grpc-java="$target/protoc/protoc-gen-grpc-java" --grpc-java_out="$out")
fi
cd "$module/src/main/proto"
find . -name '*.proto' -print0 | sort -z | xargs -0 "$target/protoc/protoc" "${args[@]}"
