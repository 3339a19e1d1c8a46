#!/bin/sh
# tests/onnx/flagship_onnx.sh EXAMPLE DATA_DIR MODULES_DIR WORK_DIR SAMPLE_SHAPE [INDICES.json] - the ctest
# tests onnx.flagship (fashion_mnist, "784") and onnx.cnn (fashion_mnist_cnn, "1,28,28", with the indices
# of the test images its --short mode scores).
#
# Trains the example in --short mode with --export-onnx, runs onnx.checker on the file when
# /usr/bin/python3 has onnx, then requires that the file scores exactly the printed test_accuracy in
# ONNX Runtime on the same test images (flagship_accuracy.mjs). Exits 77 (skipped, saying why) without
# Fashion-MNIST, node, npm or the onnxruntime-node package.
set -u
example="$1"; data="$2"; modules="$3"; work="$4"; shape="$5"; indices="${6:-}"
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -f "$data/t10k-images-idx3-ubyte.gz" ]; then
  echo "onnx.$(basename "$example"): skipped: Fashion-MNIST is not in $data (apt-get install dataset-fashion-mnist)"
  exit 77
fi
rm -rf "$work" && mkdir -p "$work"
if ! "$example" --short --quiet --data "$data" --out "$work/out" --export-onnx "$work/model.onnx" >"$work/log" 2>&1; then
  echo "onnx.$(basename "$example"): the example failed:"; cat "$work/log"; exit 1
fi
accuracy="$(sed -n 's/^test_accuracy=//p' "$work/log")"
grep '^wrote .*model.onnx' "$work/log"
echo "onnx.$(basename "$example"): $(basename "$example") --short printed test_accuracy=$accuracy"
if /usr/bin/python3 -c "import onnx" 2>/dev/null; then
  /usr/bin/python3 -c "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)" \
    "$work/model.onnx" || { echo "onnx.$(basename "$example"): onnx.checker rejects model.onnx"; exit 1; }
  echo "onnx.$(basename "$example"): onnx.checker accepts model.onnx"
fi
exec sh "$here/run_onnxruntime.sh" "$modules" flagship_accuracy.mjs "$work/model.onnx" "$data" "$accuracy" "$shape" $indices
