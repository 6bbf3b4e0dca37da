#!/usr/bin/env bash
# Regenerates Sources/ONNXProto/onnx.pb.swift from Sources/ONNXProto/onnx.proto (ONNX's own schema,
# copied from the `onnx` Python package, Apache-2.0). Needs protoc (Debian: protobuf-compiler) and
# protoc-gen-swift built from the same swift-protobuf version Package.swift names (1.39.0); the build
# takes minutes, which is why the generated file is committed and CI never runs this.
#
# Usage: scripts/regen-onnx-proto.sh [path/to/protoc-gen-swift]
#   To refresh the schema first: cp "$(python3 -c 'import onnx, os; print(os.path.dirname(onnx.__file__))')/onnx.proto" Sources/ONNXProto/
set -euo pipefail
cd "$(dirname "$0")/.."
plugin=${1:-}
if [ -z "$plugin" ]; then
    work=$(mktemp -d)
    git clone -q https://github.com/apple/swift-protobuf "$work/swift-protobuf"
    git -C "$work/swift-protobuf" checkout -q 1.39.0
    (cd "$work/swift-protobuf" && swift build -c release --product protoc-gen-swift >&2)
    plugin="$work/swift-protobuf/.build/release/protoc-gen-swift"
fi
command -v protoc >/dev/null || { echo "protoc missing: apt-get install protobuf-compiler" >&2; exit 1; }
protoc --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Public \
    --proto_path=Sources/ONNXProto --swift_out=Sources/ONNXProto Sources/ONNXProto/onnx.proto
echo "wrote Sources/ONNXProto/onnx.pb.swift" >&2
