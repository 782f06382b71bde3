"""torchvision classification and segmentation models with seeded random weights (weights=None: nothing is downloaded)."""
import torch
import torch.nn as nn
import torchvision.models as tvm
import torchvision.models.segmentation as seg

from .common import export, spec


def _small_vgg():
    # vgg11_bn's 25088x4096 classifier alone is 400 MB: the features are torchvision's, the classifier is shrunk.
    m = tvm.vgg11_bn(weights=None)
    m.avgpool = nn.AdaptiveAvgPool2d((2, 2))
    m.classifier = nn.Sequential(nn.Linear(512 * 4, 256), nn.ReLU(True), nn.Dropout(), nn.Linear(256, 256),
                                 nn.ReLU(True), nn.Dropout(), nn.Linear(256, 1000))
    return m


# name -> (constructor, input side, families, note)
CLASSIFIERS = {
    "resnet18": (lambda: tvm.resnet18(weights=None), 64, ["cnn", "residual"], None),
    "resnet50": (lambda: tvm.resnet50(weights=None), 64, ["cnn", "residual"], None),
    "vgg11_bn": (_small_vgg, 64, ["cnn", "batchnorm"], "classifier shrunk to 2048-256-256-1000"),
    "mobilenet_v2": (lambda: tvm.mobilenet_v2(weights=None), 64, ["cnn", "depthwise"], None),
    "mobilenet_v3_large": (lambda: tvm.mobilenet_v3_large(weights=None), 64, ["cnn", "depthwise", "hardswish", "squeeze-excite"], None),
    "mobilenet_v3_small": (lambda: tvm.mobilenet_v3_small(weights=None), 64, ["cnn", "depthwise", "hardswish", "squeeze-excite"], None),
    "efficientnet_b0": (lambda: tvm.efficientnet_b0(weights=None), 64, ["cnn", "depthwise", "squeeze-excite", "silu"], None),
    "densenet121": (lambda: tvm.densenet121(weights=None), 64, ["cnn", "dense-concat"], None),
    "squeezenet1_1": (lambda: tvm.squeezenet1_1(weights=None), 64, ["cnn", "fire-concat"], None),
    "shufflenet_v2_x1_0": (lambda: tvm.shufflenet_v2_x1_0(weights=None), 64, ["cnn", "channel-shuffle"], None),
    "regnet_y_400mf": (lambda: tvm.regnet_y_400mf(weights=None), 64, ["cnn", "squeeze-excite"], None),
    "convnext_tiny": (lambda: tvm.convnext_tiny(weights=None), 64, ["cnn", "layernorm", "gelu"], None),
    "googlenet": (lambda: tvm.googlenet(weights=None, aux_logits=False, init_weights=True), 64, ["cnn", "inception-concat"], None),
    "mnasnet0_5": (lambda: tvm.mnasnet0_5(weights=None), 64, ["cnn", "depthwise"], None),
    "vit_b_16": (lambda: tvm.vit_b_16(weights=None, image_size=64), 64, ["vision-transformer"], "image_size=64: 16 patches"),
    "swin_t": (lambda: tvm.swin_t(weights=None), 64, ["vision-transformer", "shifted-window"], None),
}

SEGMENTERS = {
    "deeplabv3_mobilenet_v3_large": (lambda: seg.deeplabv3_mobilenet_v3_large(weights=None, weights_backbone=None, aux_loss=False), ["segmentation", "resize", "aspp"]),
    "lraspp_mobilenet_v3_large": (lambda: seg.lraspp_mobilenet_v3_large(weights=None, weights_backbone=None), ["segmentation", "resize"]),
    "fcn_resnet50": (lambda: seg.fcn_resnet50(weights=None, weights_backbone=None, aux_loss=False), ["segmentation", "resize"]),
}


class _OutOnly(nn.Module):
    """torchvision's segmentation models return a dict; the export needs a tensor."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x)["out"]


def builders():
    """(name, build(out)) pairs: every classifier and segmenter at opset 13 (batch fixed at 1) and 17 (free batch)."""
    result = []
    for opset, dynamic in ((13, False), (17, True)):
        for key, (make, side, families, note) in CLASSIFIERS.items():
            name = f"{key}_op{opset}"
            result.append((name, _classifier(name, make, side, families + ["torchvision"], note, opset, dynamic)))
        for key, (make, families) in SEGMENTERS.items():
            name = f"{key}_op{opset}"
            result.append((name, _classifier(name, lambda make=make: _OutOnly(make()), 96, families + ["torchvision"], None, opset, dynamic,
                                             expect_on_path=["Resize"])))


    # Fresh initialisation as the constructor leaves it: identical BatchNorm-folded biases become one initializer read
    # through Identity nodes (issue 11, item 7: weights computed inside the graph).
    result.append(("resnet18_fresh_init_op17", _classifier("resnet18_fresh_init_op17", lambda: tvm.resnet18(weights=None), 64,
                                                           ["cnn", "residual", "identity-initializers", "torchvision"],
                                                           "constructor initialisation kept", 17, True, fresh_init=True)))
    return result


def _classifier(name, make, side, families, note, opset, dynamic, fresh_init=False, expect_on_path=None):
    def build(out):
        torch.manual_seed(0)
        model = make()
        batch_note = "batch fixed at 1" if not dynamic else None
        return export(out, name, model, [spec("input", [3, side, side])], "input", "output", ["output"], families,
                      opset=opset, dynamic=dynamic, note="; ".join(n for n in (note, batch_note) if n) or None,
                      fresh_init=fresh_init, expect_on_path=expect_on_path)
    return build
