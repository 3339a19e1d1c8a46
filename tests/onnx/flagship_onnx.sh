#!/bin/sh
# tests/onnx/flagship_onnx.sh FASHION_MNIST DATA_DIR MODULES_DIR WORK_DIR - the ctest test onnx.flagship.
#
# Trains the flagship in --short mode with --export-onnx, then requires that the file scores exactly the
# printed test_accuracy in ONNX Runtime on the official test set (flagship_accuracy.mjs). Exits 77
# (skipped, saying why) without Fashion-MNIST, node, npm or the onnxruntime-node package.
set -u
example="$1"; data="$2"; modules="$3"; work="$4"
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -f "$data/t10k-images-idx3-ubyte.gz" ]; then
  echo "onnx.flagship: skipped: Fashion-MNIST is not in $data (apt-get install dataset-fashion-mnist)"
  exit 77
fi
rm -rf "$work" && mkdir -p "$work"
if ! "$example" --short --quiet --data "$data" --out "$work/out" --export-onnx "$work/flagship.onnx" >"$work/log" 2>&1; then
  echo "onnx.flagship: fashion_mnist failed:"; cat "$work/log"; exit 1
fi
accuracy="$(sed -n 's/^test_accuracy=//p' "$work/log")"
grep '^wrote .*flagship.onnx' "$work/log"
echo "onnx.flagship: fashion_mnist --short printed test_accuracy=$accuracy"
if /usr/bin/python3 -c "import onnx" 2>/dev/null; then
  /usr/bin/python3 -c "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)" \
    "$work/flagship.onnx" || { echo "onnx.flagship: onnx.checker rejects flagship.onnx"; exit 1; }
  echo "onnx.flagship: onnx.checker accepts flagship.onnx"
fi
exec sh "$here/run_onnxruntime.sh" "$modules" flagship_accuracy.mjs "$work/flagship.onnx" "$data" "$accuracy"
