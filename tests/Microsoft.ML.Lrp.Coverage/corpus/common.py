"""Export helpers shared by the corpus builders: ONNX export with seeded random weights, and the sidecar JSON."""
import json
import os
import warnings

import onnx
import torch


def spec(name, row_shape, dtype="float32", batch_axis=0, low=None, high=None, fill=None):
    """How the benchmark feeds one input: row shape (the shape without the batch axis), element type, valid values.

    Floats are drawn uniformly from [low, high] (default [-1, 1]); integers from [low, high) (a token id is below the
    vocabulary size); fill gives every element one value (masks of ones, zero states, a sample rate)."""
    s = {"name": name, "dtype": dtype, "row_shape": list(row_shape), "batch_axis": batch_axis}
    if fill is not None:
        s["fill"] = fill
    else:
        s["low"] = -1.0 if low is None and dtype == "float32" else (0 if low is None else low)
        s["high"] = 1.0 if high is None and dtype == "float32" else high
        if s["high"] is None:
            raise ValueError(f"integer input {name} needs high (exclusive)")
    return s


def example(s, batch=1):
    """A tensor for the exporter's trace that fits the spec (batch rows on the batch axis)."""
    shape = list(s["row_shape"])
    if s["batch_axis"] is not None:
        shape.insert(s["batch_axis"], batch)
    dtype = {"float32": torch.float32, "int64": torch.int64, "int32": torch.int32}[s["dtype"]]
    if "fill" in s:
        return torch.full(shape, s["fill"], dtype=dtype)
    if dtype == torch.float32:
        return torch.rand(shape) * (s["high"] - s["low"]) + s["low"]
    return torch.randint(int(s["low"]), int(s["high"]), shape, dtype=dtype)


def perturb_constant_tensors(module, seed=1):
    """Adds seeded noise to every float parameter or buffer whose elements are all equal (fresh BatchNorm statistics,
    zero biases, layer scales). Untrained models are full of identical tensors, which the exporter merges into one
    initializer read through Identity nodes: a pattern trained models do not have, and one that hides the rest of a
    model's coverage. Multiplicative for non-zero values (variances stay positive), additive for zeros."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for t in list(module.parameters()) + list(module.buffers()):
            if t.is_floating_point() and t.numel() > 0 and bool((t == t.flatten()[0]).all()):
                noise = torch.randn(t.shape, generator=g, dtype=t.dtype)
                t.copy_(t * (1 + 0.1 * noise) if float(t.flatten()[0]) != 0 else 0.02 * noise)


# Models whose sidecar asks the benchmark for an ONNX Runtime-optimized copy (written by the C# program: Debian's
# Python has no onnxruntime): one of each kind of fusion ORT applies (Conv+activation, attention, GELU, LayerNorm,
# MatMul+scale, QDQ to QLinear operators).
ORT_OPTIMIZE = {
    "resnet18_op17", "mobilenet_v3_large_op17", "efficientnet_b0_op17", "convnext_tiny_op17", "vit_b_16_op17",
    "deeplabv3_mobilenet_v3_large_op17", "mobilenet_v2_qdq_op13", "mobilenet_v2_dynamic_quant_op13", "unet_op17",
    "yolo_fpn_op17", "lstm_op17", "mha_classifier_op17", "roberta_style_op17", "t5_style_fixed_lengths_op17",
    "whisper_style_fixed_lengths_op17", "llama_style_fixed_shapes_op17",
}


def has_softmax(model):
    """What LrpCoverage.Analyze(string) looks at to choose AttnLrp: a Softmax node in the main graph."""
    return any(n.op_type == "Softmax" for n in model.graph.node)


def write_sidecar(out, name, model_file, specs, explain, output, families, rows=2, note=None, composite=None,
                  expect_on_path=None):
    """expect_on_path: op types that must be on the relevance path. The benchmark checks them in the explainer's
    per-node report, so that a model whose Loop, If or LSTM is skipped (explained through its other paths only)
    does not pass."""
    model = onnx.load(os.path.join(out, model_file), load_external_data=False)
    graph_inputs = [i.name for i in model.graph.input]
    missing = [s["name"] for s in specs if s["name"] not in graph_inputs]
    undescribed = [n for n in graph_inputs if n not in {s["name"] for s in specs}]
    if missing or undescribed:
        raise RuntimeError(f"{name}: specs {missing} not in the graph, graph inputs {undescribed} without a spec")
    if output not in [o.name for o in model.graph.output]:
        raise RuntimeError(f"{name}: no output {output}")
    sidecar = {
        "name": name,
        "model": model_file,
        "families": families,
        "explain": explain,
        "output": output,
        "composite": composite or ("AttnLrp" if has_softmax(model) else "EpsilonPlusFlat"),
        "rows": rows,
        "inputs": [s for s in specs if s["name"] in graph_inputs],
        "opset": next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None),
        "nodes": len(model.graph.node),
    }
    if note:
        sidecar["note"] = note
    if name in ORT_OPTIMIZE:
        sidecar["ort_optimize"] = True
    if expect_on_path:
        sidecar["expect_on_path"] = list(expect_on_path)
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(sidecar, f, indent=1)
    return sidecar


def export(out, name, module, specs, explain, output, output_names, families, opset=17, dynamic=True,
           extra_dynamic=None, rows=2, note=None, keep_initializers_as_inputs=False, fresh_init=False, expect_on_path=None):
    """Exports module (eval mode, the seeded weights it was built with) to out/name.onnx and writes its sidecar.

    dynamic: the batch axis of every input and output is symbolic ('batch'); otherwise the trace's batch of 1 is
    fixed. extra_dynamic: {input or output name: {axis: symbol}} for further symbolic axes (sequence lengths).
    fresh_init: keep the constructor's constant tensors (see perturb_constant_tensors)."""
    module.eval()
    if not fresh_init:
        perturb_constant_tensors(module)
    args = tuple(example(s) for s in specs)
    axes = {}
    if dynamic:
        for s in specs:
            if s["batch_axis"] is not None:
                axes[s["name"]] = {s["batch_axis"]: "batch"}
        for o in output_names:
            axes.setdefault(o, {})[0] = "batch"
    for k, v in (extra_dynamic or {}).items():
        axes.setdefault(k, {}).update(v)
    path = os.path.join(out, name + ".onnx")
    # Not under no_grad: nn.MultiheadAttention would take its fused fast path, which has no ONNX export.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, args, path, opset_version=opset, input_names=[s["name"] for s in specs],
                          output_names=output_names, dynamic_axes=axes or None, do_constant_folding=True,
                          keep_initializers_as_inputs=keep_initializers_as_inputs)
    onnx.checker.check_model(path)
    return write_sidecar(out, name, name + ".onnx", specs, explain, output, families, rows, note, expect_on_path=expect_on_path)
