// node flagship_accuracy.mjs MODULES_DIR MODEL.onnx DATA_DIR EXPECTED_ACCURACY SAMPLE_SHAPE [INDICES.json]
//
// The promise of `fashion_mnist --export-onnx` (and of fashion_mnist_cnn's): the file, run in ONNX
// Runtime on the official test set as the IDX reader gives it (pixels / 255, no normalisation: that is
// in the file), scores exactly the test accuracy the example printed. SAMPLE_SHAPE is the input's shape
// after N ("784" or "1,28,28"); INDICES.json, when given, lists the test images the example scored (its
// --short subset). With at most 10,000 images the printed 4 decimals give the exact count.
// Exit status 0 when the counts agree, 1 otherwise, 77 when onnxruntime-node cannot be loaded.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';

const [modulesDir, modelFile, dataDir, expectedText, sampleShapeText, indicesFile] = process.argv.slice(2);
let ort;
try {
  ort = createRequire(path.join(path.resolve(modulesDir), 'package.json'))('onnxruntime-node');
} catch (e) {
  console.log(`flagship_accuracy: skipped: onnxruntime-node cannot be loaded from ${modulesDir}: ${e.message}`);
  process.exit(77);
}

function idx(name) {
  const b = gunzipSync(readFileSync(path.join(dataDir, name)));
  const dims = b[3];
  const shape = [];
  for (let k = 0; k < dims; ++k) shape.push(b.readUInt32BE(4 + 4 * k));
  return { shape, data: b.subarray(4 + 4 * dims) };
}
const images = idx('t10k-images-idx3-ubyte.gz');
const labels = idx('t10k-labels-idx1-ubyte.gz');
const features = images.shape[1] * images.shape[2];
const indices = indicesFile ? JSON.parse(readFileSync(indicesFile, 'utf8'))
                            : Array.from({ length: images.shape[0] }, (_, i) => i);
const n = indices.length;
const x = new Float32Array(n * features);
indices.forEach((image, i) => {
  for (let k = 0; k < features; ++k) x[i * features + k] = images.data[image * features + k] / 255;  // as sg::data's IDX reader
});
const sampleShape = (sampleShapeText ?? String(features)).split(',').map(Number);

const session = await ort.InferenceSession.create(modelFile);
const { probabilities } = await session.run({ x: new ort.Tensor('float32', x, [n, ...sampleShape]) });
const classes = probabilities.dims[1];
let right = 0;
for (let i = 0; i < n; ++i) {
  let best = 0;
  for (let j = 1; j < classes; ++j) if (probabilities.data[i * classes + j] > probabilities.data[i * classes + best]) best = j;
  right += best === labels.data[indices[i]] ? 1 : 0;
}
const expectedRight = Math.round(Number(expectedText) * n);
const ok = right === expectedRight;
console.log(`${ok ? 'ok  ' : 'FAIL'} ${path.basename(modelFile)} in onnxruntime-node: ${right} of ${n} test images right ` +
            `(accuracy ${(right / n).toFixed(4)}), the example printed test_accuracy=${expectedText} (${expectedRight} right)`);
process.exit(ok ? 0 : 1);
