// node compare_onnxruntime.mjs MODULES_DIR MODELS_DIR [TOLERANCE]
//
// Runs every model of MODELS_DIR/manifest.json (written by onnx_export_models) in ONNX Runtime
// (onnxruntime-node, installed under MODULES_DIR/node_modules) on the input staticgrad was fed, and
// compares each output with staticgrad's: the largest absolute difference must be at most TOLERANCE
// (default 1e-5) and the arg max of every sample (row) must agree. Prints one line per output.
// Exit status: 0 all agree, 1 a difference, 77 (ctest's SKIP_RETURN_CODE) when onnxruntime-node cannot
// be loaded, with the reason.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [modulesDir, modelsDir, toleranceText] = process.argv.slice(2);
if (!modulesDir || !modelsDir) {
  console.error('usage: node compare_onnxruntime.mjs MODULES_DIR MODELS_DIR [TOLERANCE]');
  process.exit(2);
}
const tolerance = toleranceText ? Number(toleranceText) : 1e-5;

let ort;
try {
  ort = createRequire(path.join(path.resolve(modulesDir), 'package.json'))('onnxruntime-node');
} catch (e) {
  console.log(`compare_onnxruntime: skipped: onnxruntime-node cannot be loaded from ${modulesDir}: ${e.message}`);
  process.exit(77);
}

function floats(file) {
  const b = readFileSync(path.join(modelsDir, file));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}
function argmax(values, row, cols) {
  let best = 0;
  for (let j = 1; j < cols; ++j) if (values[row * cols + j] > values[row * cols + best]) best = j;
  return best;
}

const manifest = JSON.parse(readFileSync(path.join(modelsDir, 'manifest.json'), 'utf8'));
console.log(`compare_onnxruntime: onnxruntime-node ${ort.env?.versions?.common ?? '(version unknown)'}, data: ${manifest.data}, tolerance ${tolerance}`);
let failed = false;
for (const m of manifest.models) {
  const session = await ort.InferenceSession.create(path.join(modelsDir, m.model));
  const feeds = {};
  for (const input of m.inputs) {
    const data = floats(input.file);
    if (data.length !== input.shape.reduce((a, b) => a * b, 1)) throw new Error(`${input.file}: wrong size`);
    feeds[input.name] = new ort.Tensor('float32', data, input.shape);
  }
  const missing = m.outputs.map((o) => o.name).filter((n) => !session.outputNames.includes(n));
  if (missing.length > 0 || session.outputNames.length !== m.outputs.length) {
    console.log(`FAIL ${m.model}: outputs expected [${m.outputs.map((o) => o.name)}], found [${session.outputNames}]`);
    failed = true;
    continue;
  }
  const results = await session.run(feeds);
  for (const o of m.outputs) {
    const expected = floats(o.file);
    const got = results[o.name];
    const [rows, cols] = o.shape;
    if (got.dims.length !== 2 || got.dims[0] !== rows || got.dims[1] !== cols) {
      console.log(`FAIL ${m.model} ${o.name}: shape expected [${rows}, ${cols}], found [${got.dims}]`);
      failed = true;
      continue;
    }
    let maxDiff = 0, worst = 0, agree = 0;
    for (let k = 0; k < expected.length; ++k) {
      const d = Math.abs(got.data[k] - expected[k]);
      if (!(d <= maxDiff)) { maxDiff = d; worst = k; }
    }
    for (let r = 0; r < rows; ++r) agree += argmax(got.data, r, cols) === argmax(expected, r, cols) ? 1 : 0;
    const ok = maxDiff <= tolerance && agree === rows;
    failed ||= !ok;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${m.model} ${o.name} [${rows}, ${cols}]: max abs difference ${maxDiff.toExponential(3)}` +
                ` (sample ${Math.floor(worst / cols)}, column ${worst % cols}: onnxruntime ${got.data[worst]}, staticgrad ${expected[worst]}),` +
                ` arg max agrees on ${agree} of ${rows} samples`);
  }
}
process.exit(failed ? 1 : 0);
