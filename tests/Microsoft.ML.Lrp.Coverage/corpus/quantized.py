"""Quantized MobileNetV2: static QDQ (torch.ao.quantization, exported by torch as QuantizeLinear/DequantizeLinear
around float ops) and dynamic quantization (ConvInteger/MatMulInteger after DynamicQuantizeLinear, the form of ONNX
Runtime's quantize_dynamic, written with the onnx helper API: torch 1.13 cannot export quantized::linear_dynamic)."""
import os
import warnings

import numpy as np
import onnx
import torch
import torchvision.models as tvm
from onnx import TensorProto, helper, numpy_helper
from torchvision.models.quantization import mobilenet_v2 as quantizable_mobilenet_v2

from .common import export, perturb_constant_tensors, spec, write_sidecar

NOTES = []
SIDE = 64
FAMILIES = ["cnn", "depthwise", "quantized", "torchvision"]


def _qdq(out, name="mobilenet_v2_qdq_op13"):
    """Post-training static quantization (qnnpack, per-tensor), calibrated on seeded random images."""
    torch.manual_seed(0)
    torch.backends.quantized.engine = "qnnpack"
    model = quantizable_mobilenet_v2(weights=None, quantize=False)
    perturb_constant_tensors(model)
    model.eval()
    model.fuse_model(is_qat=False)
    model.qconfig = torch.ao.quantization.get_default_qconfig("qnnpack")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.ao.quantization.prepare(model, inplace=True)
        with torch.no_grad():
            for _ in range(4):
                model(torch.rand(4, 3, SIDE, SIDE) * 2 - 1)
        torch.ao.quantization.convert(model, inplace=True)
    return export(out, name, model, [spec("input", [3, SIDE, SIDE])], "input", "output", ["output"], FAMILIES + ["qdq"],
                  opset=13, fresh_init=True, note="torch.ao.quantization static (qnnpack), exported by torch",
                  expect_on_path=["Conv", "DequantizeLinear"])


def _const(nodes, inits, name, array):
    inits.append(numpy_helper.from_array(np.asarray(array), name))
    return name


def dynamic_quantize(model):
    """Rewrites every Conv and Gemm with initializer weights as ONNX Runtime's quantize_dynamic does:
    DynamicQuantizeLinear(x) → ConvInteger / MatMulInteger with per-tensor uint8 weights → Cast → Mul by
    x_scale·w_scale → Add bias. Returns the number of rewritten nodes."""
    graph = model.graph
    weights = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    new_nodes, inits, rewritten = [], [], 0
    for node in graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        is_conv = node.op_type == "Conv" and node.input[1] in weights
        is_gemm = node.op_type == "Gemm" and node.input[1] in weights and attrs.get("transA", 0) == 0 and attrs.get("alpha", 1.0) == 1.0
        if not (is_conv or is_gemm):
            new_nodes.append(node)
            continue
        rewritten += 1
        p = node.name or node.output[0]
        w = weights[node.input[1]]
        if is_gemm and attrs.get("transB", 0):
            w = w.T
        w_scale = max(float(np.abs(w).max()) / 127.0, 1e-8)
        w_q = np.clip(np.round(w / w_scale) + 128, 0, 255).astype(np.uint8)
        xq, xs, xzp = f"{p}/x_quantized", f"{p}/x_scale", f"{p}/x_zero_point"
        new_nodes.append(helper.make_node("DynamicQuantizeLinear", [node.input[0]], [xq, xs, xzp], name=f"{p}/DynamicQuantizeLinear"))
        wq = _const(new_nodes, inits, f"{p}/w_quantized", w_q)
        wzp = _const(new_nodes, inits, f"{p}/w_zero_point", np.array(128, np.uint8))
        if is_conv:
            conv_attrs = {k: v for k, v in attrs.items()}
            new_nodes.append(helper.make_node("ConvInteger", [xq, wq, xzp, wzp], [f"{p}/int32"], name=f"{p}/ConvInteger", **conv_attrs))
        else:
            new_nodes.append(helper.make_node("MatMulInteger", [xq, wq, xzp, wzp], [f"{p}/int32"], name=f"{p}/MatMulInteger"))
        new_nodes.append(helper.make_node("Cast", [f"{p}/int32"], [f"{p}/float"], to=TensorProto.FLOAT, name=f"{p}/Cast"))
        new_nodes.append(helper.make_node("Mul", [xs, _const(new_nodes, inits, f"{p}/w_scale", np.array(w_scale, np.float32))], [f"{p}/scale"], name=f"{p}/ScaleMul"))
        has_bias = len(node.input) > 2 and node.input[2]
        scaled = node.output[0] if not has_bias else f"{p}/scaled"
        new_nodes.append(helper.make_node("Mul", [f"{p}/float", f"{p}/scale"], [scaled], name=f"{p}/Mul"))
        if has_bias:
            b = weights[node.input[2]] * attrs.get("beta", 1.0)
            b = b.reshape(-1, *([1] * (len(w.shape) - 2))) if is_conv else b
            new_nodes.append(helper.make_node("Add", [scaled, _const(new_nodes, inits, f"{p}/bias", b.astype(np.float32))], [node.output[0]], name=f"{p}/AddBias"))
    used = {i for n in new_nodes for i in n.input}
    kept = [i for i in graph.initializer if i.name in used]
    del graph.node[:]
    graph.node.extend(new_nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept + inits)
    return rewritten


def _dynamic(out, name="mobilenet_v2_dynamic_quant_op13"):
    torch.manual_seed(0)
    export(out, name, tvm.mobilenet_v2(weights=None), [spec("input", [3, SIDE, SIDE])], "input", "output", ["output"], [], opset=13)
    path = os.path.join(out, name + ".onnx")
    model = onnx.load(path)
    count = dynamic_quantize(model)
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)
    return write_sidecar(out, name, name + ".onnx", [spec("input", [3, SIDE, SIDE])], "input", "output", FAMILIES + ["dynamic-quantization"],
                         note=f"{count} Conv/Gemm rewritten as ONNX Runtime's quantize_dynamic does, with the onnx helper API",
                         expect_on_path=["ConvInteger", "MatMulInteger"])


def builders():
    try:
        import onnxruntime  # noqa: F401
        NOTES.append("the C# benchmark writes the ONNX Runtime-optimized copies (NAME_ortopt) of the models marked ort_optimize")
    except ImportError:
        NOTES.append("onnxruntime is not importable here: the C# benchmark writes the ONNX Runtime-optimized copies (NAME_ortopt) of the models marked ort_optimize")
    return [("mobilenet_v2_qdq_op13", _qdq), ("mobilenet_v2_dynamic_quant_op13", _dynamic)]
