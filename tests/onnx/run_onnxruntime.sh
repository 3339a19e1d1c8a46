#!/bin/sh
# tests/onnx/run_onnxruntime.sh MODULES_DIR SCRIPT ARGS... - node SCRIPT MODULES_DIR ARGS... with ONNX Runtime.
#
# Makes sure onnxruntime-node@1.30.0 is installed under MODULES_DIR (npm install --ignore-scripts: the
# package's install script only fetches GPU parts, which are not needed), then runs the script (from
# tests/onnx/) with MODULES_DIR as its first argument and its exit status. Exits 77 (ctest's
# SKIP_RETURN_CODE), saying why, when node or npm is missing or the package cannot be installed.
set -u
modules="$1"
script="$2"
shift 2
here="$(cd "$(dirname "$0")" && pwd)"
version=1.30.0

if ! command -v node >/dev/null 2>&1; then
  echo "onnx.runtime: skipped: node (Node.js) is not installed; apt-get install nodejs npm"
  exit 77
fi
installed="$(node -p "require('$modules/node_modules/onnxruntime-node/package.json').version" 2>/dev/null || true)"
if [ "$installed" != "$version" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "onnx.runtime: skipped: npm is not installed (needed once to install onnxruntime-node@$version)"
    exit 77
  fi
  mkdir -p "$modules"
  echo "onnx.runtime: npm install --ignore-scripts onnxruntime-node@$version into $modules"
  if ! (cd "$modules" && npm install --ignore-scripts --no-audit --no-fund --no-save \
          "onnxruntime-node@$version" >npm-install.log 2>&1); then
    echo "onnx.runtime: skipped: npm could not install onnxruntime-node@$version (is the npm registry reachable?):"
    tail -n 5 "$modules/npm-install.log"
    exit 77
  fi
fi
exec node "$here/$script" "$modules" "$@"
