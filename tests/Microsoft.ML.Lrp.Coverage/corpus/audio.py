"""An audio front end written with the onnx helper API (torch 1.13 cannot export torch.stft): STFT, power spectrum,
mel-style filterbank MatMul, Log, mean over frames, classifier."""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .common import spec, write_sidecar


def build_spectrogram_classifier(out, name="spectrogram_classifier_op17", samples=640, n_fft=64, mels=12, classes=4):
    rng = np.random.default_rng(0)
    bins = n_fft // 2 + 1
    inits = [
        numpy_helper.from_array(np.hanning(n_fft).astype(np.float32), "window"),
        numpy_helper.from_array(np.array(n_fft // 2, np.int64), "hop"),
        numpy_helper.from_array(np.array(n_fft, np.int64), "frame_length"),
        numpy_helper.from_array(np.array([-1], np.int64), "last_axis"),
        numpy_helper.from_array(np.array([1], np.int64), "frames_axis"),
        numpy_helper.from_array(rng.uniform(0, 1, (bins, mels)).astype(np.float32), "mel"),
        numpy_helper.from_array(np.array(1e-6, np.float32), "floor"),
        numpy_helper.from_array(rng.normal(0, 0.3, (mels, classes)).astype(np.float32), "w"),
        numpy_helper.from_array(rng.normal(0, 0.1, classes).astype(np.float32), "b"),
    ]
    nodes = [
        helper.make_node("Unsqueeze", ["input", "last_axis"], ["signal"]),
        helper.make_node("STFT", ["signal", "hop", "window", "frame_length"], ["spectrum"], onesided=1),
        helper.make_node("Mul", ["spectrum", "spectrum"], ["squares"]),
        helper.make_node("ReduceSum", ["squares", "last_axis"], ["power"], keepdims=0),
        helper.make_node("MatMul", ["power", "mel"], ["melspec"]),
        helper.make_node("Add", ["melspec", "floor"], ["floored"]),
        helper.make_node("Log", ["floored"], ["logmel"]),
        helper.make_node("ReduceMean", ["logmel"], ["pooled"], axes=[1], keepdims=0),
        helper.make_node("Gemm", ["pooled", "w", "b"], ["logits"]),
    ]
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", samples])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", classes])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="build-corpus.py")
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(out, name + ".onnx"))
    return write_sidecar(out, name, name + ".onnx", [spec("input", [samples])], "input", "logits", ["audio", "stft"],
                         note="written with the onnx helper API", expect_on_path=["STFT", "Log"])
