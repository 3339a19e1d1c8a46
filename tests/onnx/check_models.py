"""python3 check_models.py MODELS_DIR - onnx.checker on every model of MODELS_DIR/manifest.json.

Runs onnx.checker.check_model(full_check=True) (which also infers every shape) on each exported file and
checks what save_onnx promises: the ir_version of the installed onnx, opset >= 13, the inputs and
outputs the manifest names with a symbolic batch dimension "N", float32 throughout, a name and a
doc_string on every node. Exit status 0 when all pass, 1 otherwise, 77 (ctest's SKIP_RETURN_CODE) when
the onnx module is missing (Debian: python3-onnx).
"""
import json
import os
import sys

try:
    import onnx
    from onnx import checker
except ImportError as e:
    print(f"check_models: skipped: the python module onnx is missing ({e}); apt-get install python3-onnx")
    sys.exit(77)


def dims(value_info):
    return [d.dim_param if d.dim_param else d.dim_value for d in value_info.type.tensor_type.shape.dim]


def check(path, entry):
    problems = []
    model = onnx.load(path)
    try:
        checker.check_model(model, full_check=True)
    except Exception as e:  # checker.ValidationError, shape inference errors
        problems.append(f"onnx.checker: {e}")
    if model.ir_version != onnx.IR_VERSION:
        problems.append(f"ir_version expected {onnx.IR_VERSION}, found {model.ir_version}")
    opsets = {o.domain: o.version for o in model.opset_import}
    if opsets.get("", 0) < 13:
        problems.append(f"default-domain opset expected >= 13, found {opsets}")
    for kind, declared, expected in (("input", model.graph.input, entry["inputs"]),
                                     ("output", model.graph.output, entry["outputs"])):
        found = {v.name: dims(v) for v in declared}
        want = {e["name"]: ["N"] + e["shape"][1:] for e in expected}
        if found != want:
            problems.append(f"{kind}s expected {want}, found {found}")
        for v in declared:
            if v.type.tensor_type.elem_type != onnx.TensorProto.FLOAT:
                problems.append(f"{kind} {v.name}: float32 expected")
    names = [n.name for n in model.graph.node]
    if len(set(names)) != len(names) or not all(names):
        problems.append(f"node names must be unique and non-empty, found {names}")
    undocumented = [n.name for n in model.graph.node if not n.doc_string]
    if undocumented:
        problems.append(f"nodes without a doc_string: {undocumented}")
    ops = sorted({n.op_type for n in model.graph.node})
    return problems, len(model.graph.node), len(model.graph.initializer), ops


def main():
    if len(sys.argv) != 2:
        print("usage: check_models.py MODELS_DIR")
        return 2
    folder = sys.argv[1]
    with open(os.path.join(folder, "manifest.json")) as f:
        manifest = json.load(f)
    print(f"check_models: onnx {onnx.__version__} (IR version {onnx.IR_VERSION})")
    failed = False
    for entry in manifest["models"]:
        path = os.path.join(folder, entry["model"])
        problems, nodes, initializers, ops = check(path, entry)
        status = "ok  " if not problems else "FAIL"
        print(f"{status} {entry['model']}: {nodes} nodes ({', '.join(ops)}), {initializers} initializers")
        for p in problems:
            print(f"     {p}")
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
