"""Hand-written small models for the families torchvision lacks: upsampling decoders, detector necks, pixel shuffle,
selective scans, attention blocks, a streaming voice-activity model and an audio front end."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from . import audio
from .common import export, spec

NOTES = []


def _block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    """Three levels up: ConvTranspose, bilinear Resize (scale), nearest Resize (scale); or, with by_size, bilinear
    Resize with align_corners to the skip connection's size (Resize with sizes computed from Shape)."""

    def __init__(self, c=8, by_size=False):
        super().__init__()
        self.by_size = by_size
        self.e1, self.e2, self.e3, self.mid = _block(3, c), _block(c, 2 * c), _block(2 * c, 4 * c), _block(4 * c, 8 * c)
        self.up3 = nn.ConvTranspose2d(8 * c, 4 * c, 2, stride=2)
        self.red2, self.red1 = nn.Conv2d(4 * c, 2 * c, 1), nn.Conv2d(2 * c, c, 1)
        self.d3, self.d2, self.d1 = _block(8 * c, 4 * c), _block(4 * c, 2 * c), _block(2 * c, c)
        self.head = nn.Conv2d(c, 3, 1)

    def forward(self, x):
        s1 = self.e1(x)
        s2 = self.e2(F.max_pool2d(s1, 2))
        s3 = self.e3(F.max_pool2d(s2, 2))
        m = self.mid(F.max_pool2d(s3, 2))
        y = self.d3(torch.cat([self.up3(m), s3], 1))
        if self.by_size:
            y = F.interpolate(y, size=s2.shape[-2:], mode="bilinear", align_corners=True)
            y = self.d2(torch.cat([self.red2(y), s2], 1))
            y = F.interpolate(y, size=s1.shape[-2:], mode="bicubic", align_corners=False)
        else:
            y = F.interpolate(y, scale_factor=2.0, mode="bilinear", align_corners=False)
            y = self.d2(torch.cat([self.red2(y), s2], 1))
            y = F.interpolate(y, scale_factor=2.0, mode="nearest")
        y = self.d1(torch.cat([self.red1(y), s1], 1))
        return self.head(y)


def _cbs(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.SiLU())


class YoloFpn(nn.Module):
    """A YOLO-style detector: strided backbone, FPN top-down path (nearest Resize, Concat), three heads whose
    [box, objectness, classes] go through Sigmoid and are concatenated into [batch, anchors, 5 + classes]."""

    def __init__(self, classes=4, anchors=2):
        super().__init__()
        self.no, self.na = 5 + classes, anchors
        self.stem, self.c3 = _cbs(3, 8, 2), nn.Sequential(_cbs(8, 16, 2), _cbs(16, 16, 2))
        self.c4, self.c5 = _cbs(16, 32, 2), _cbs(32, 64, 2)
        self.lat5, self.lat4, self.lat3 = nn.Conv2d(64, 32, 1), nn.Conv2d(32, 32, 1), nn.Conv2d(16, 32, 1)
        self.fuse4, self.fuse3 = _cbs(64, 32), _cbs(64, 32)
        self.heads = nn.ModuleList(nn.Conv2d(32, self.no * self.na, 1) for _ in range(3))

    def forward(self, x):
        c3 = self.c3(self.stem(x))
        c4 = self.c4(c3)
        c5 = self.c5(c4)
        p5 = self.lat5(c5)
        p4 = self.fuse4(torch.cat([self.lat4(c4), F.interpolate(p5, scale_factor=2.0, mode="nearest")], 1))
        p3 = self.fuse3(torch.cat([self.lat3(c3), F.interpolate(p4, scale_factor=2.0, mode="nearest")], 1))
        outs = []
        for p, head in zip((p3, p4, p5), self.heads):
            b, _, h, w = p.shape
            y = head(p).view(b, self.na, self.no, h, w).permute(0, 1, 3, 4, 2).reshape(b, -1, self.no)
            outs.append(torch.sigmoid(y))
        return torch.cat(outs, 1)


class PixelShuffleSr(nn.Module):
    """ESPCN-style super-resolution: convolutions with Tanh, then PixelShuffle (DepthToSpace) by 3."""

    def __init__(self, r=3):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 32, 5, padding=2), nn.Tanh(), nn.Conv2d(32, 16, 3, padding=1), nn.Tanh(),
                                  nn.Conv2d(16, r * r, 3, padding=1))
        self.shuffle = nn.PixelShuffle(r)

    def forward(self, x):
        return self.shuffle(self.body(x))


class PixelUnshuffleNet(nn.Module):
    """SpaceToDepth-style input stem (PixelUnshuffle by 2), convolutions, PixelShuffle back: a DB-style text map."""

    def __init__(self):
        super().__init__()
        self.down = nn.PixelUnshuffle(2)
        self.body = nn.Sequential(nn.Conv2d(12, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 4, 3, padding=1))
        self.up = nn.PixelShuffle(2)

    def forward(self, x):
        return torch.sigmoid(self.up(self.body(self.down(x))))


@torch.jit.script
def _scan_loop(dA: Tensor, dBx: Tensor, c: Tensor) -> Tensor:
    """h_t = exp(dA_t) ⊙ h_{t-1} + dBx_t, y_t = Σ_n h_t C_t: exported as an ONNX Loop."""
    h = torch.zeros_like(dBx[:, 0])
    ys = []
    for t in range(dA.size(1)):
        h = torch.exp(dA[:, t]) * h + dBx[:, t]
        ys.append((h * c[:, t].unsqueeze(1)).sum(-1))
    return torch.stack(ys, dim=1)


class MambaBlock(nn.Module):
    """A Mamba-style block: in-projection, causal depthwise Conv1d, SiLU, input-dependent Δ (Softplus), B, C, the
    selective scan (a Loop, or the closed form with CumSum and Exp), gate, out-projection, mean pool, classifier."""

    def __init__(self, loop, d=16, n=4, dt_rank=4, classes=5):
        super().__init__()
        self.loop, self.n, self.dt_rank = loop, n, dt_rank
        self.in_proj = nn.Linear(d, 2 * d)
        self.conv = nn.Conv1d(d, d, 4, groups=d, padding=3)
        self.x_proj = nn.Linear(d, dt_rank + 2 * n, bias=False)
        self.dt_proj = nn.Linear(dt_rank, d)
        nn.init.constant_(self.dt_proj.bias, math.log(math.expm1(0.05)))
        self.A_log = nn.Parameter(torch.log(torch.arange(1, n + 1, dtype=torch.float32)).repeat(d, 1))
        self.D = nn.Parameter(torch.ones(d))
        self.out_proj = nn.Linear(d, d)
        self.head = nn.Linear(d, classes)

    def forward(self, x):
        length = x.shape[1]
        x, z = self.in_proj(x).chunk(2, dim=-1)
        x = F.silu(self.conv(x.transpose(1, 2))[..., :length].transpose(1, 2))
        dt, b, c = self.x_proj(x).split([self.dt_rank, self.n, self.n], dim=-1)
        delta = F.softplus(self.dt_proj(dt))
        dA = delta.unsqueeze(-1) * -torch.exp(self.A_log)
        dBx = delta.unsqueeze(-1) * b.unsqueeze(2) * x.unsqueeze(-1)
        if self.loop:
            y = _scan_loop(dA, dBx, c)
        else:
            s = torch.cumsum(dA, dim=1)
            y = (torch.exp(s) * torch.cumsum(torch.exp(-s) * dBx, dim=1) * c.unsqueeze(2)).sum(-1)
        y = (y + self.D * x) * F.silu(z)
        return self.head(self.out_proj(y).mean(1))


class MhaClassifier(nn.Module):
    """nn.MultiheadAttention over a float sequence, LayerNorm, mean pool, classifier."""

    def __init__(self, d_in=12, d=32, heads=4, classes=6):
        super().__init__()
        self.embed = nn.Linear(d_in, d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, classes)

    def forward(self, x):
        h = self.embed(x)
        a, _ = self.attn(h, h, h, need_weights=False)
        return self.head(self.norm(h + a).mean(1))


@torch.jit.script
def _rate_branch(x: Tensor, sr: Tensor) -> Tensor:
    """The streaming VAD's sample-rate switch: exported as an ONNX If on the scalar input."""
    if bool(sr == 16000):
        y = x
    else:
        y = torch.cat([x[:, ::2], x[:, ::2]], dim=1)
    return y


class StreamingVad(nn.Module):
    """A Silero-style streaming voice-activity model: chunk of audio, state [2, batch, H] (LSTM h and c), scalar sample
    rate; learned real and imaginary filterbank (magnitude via Sqrt, log compression), conv encoder, LSTM cell,
    Sigmoid speech probability; returns the new state."""

    def __init__(self, h=32):
        super().__init__()
        self.re, self.im = nn.Conv1d(1, 16, 64, stride=32, bias=False), nn.Conv1d(1, 16, 64, stride=32, bias=False)
        self.enc = nn.Sequential(nn.Conv1d(16, 32, 3, padding=1), nn.ReLU(), nn.Conv1d(32, 32, 3, stride=2, padding=1), nn.ReLU())
        # The LSTM cell written out (torch's LSTMCell export needs the batch size, which the If hides).
        self.ih, self.hh = nn.ModuleList(nn.Linear(32, h) for _ in range(4)), nn.ModuleList(nn.Linear(h, h, bias=False) for _ in range(4))
        self.out = nn.Linear(h, 1)

    def forward(self, x, state, sr):
        x = _rate_branch(x, sr).unsqueeze(1)
        mag = torch.sqrt(self.re(x) ** 2 + self.im(x) ** 2 + 1e-6)
        f = self.enc(torch.log(mag + 1.0)).mean(-1)
        h, c = state[0], state[1]
        i, g, o, r = (ih(f) + hh(h) for ih, hh in zip(self.ih, self.hh))
        c = torch.sigmoid(r) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return torch.sigmoid(self.out(h)), torch.stack([h, c])


def _build(name, make, specs, output_names, families, explain=None, output=None, **kw):
    def build(out):
        torch.manual_seed(0)
        return export(out, name, make(), specs, explain or specs[0]["name"], output or output_names[0], output_names, families, **kw)
    return name, build


def _space_to_depth(out, name="space_to_depth_op17"):
    """PixelUnshuffleNet, whose exported Reshape-Transpose-Reshape stem is replaced by one SpaceToDepth node (what
    other exporters write; the channel order differs from torch's, which random weights do not mind)."""
    import onnx
    from onnx import helper

    from .common import write_sidecar
    _build(name, PixelUnshuffleNet, [spec("input", [3, 32, 32])], ["output"], [])[1](out)
    path = f"{out}/{name}.onnx"
    model = onnx.load(path)
    nodes = list(model.graph.node)
    first_conv = next(i for i, n in enumerate(nodes) if n.op_type == "Conv")
    stem = helper.make_node("SpaceToDepth", ["input"], [nodes[first_conv].input[0]], blocksize=2, name="/down/SpaceToDepth")
    del model.graph.node[:]
    model.graph.node.extend([stem] + nodes[first_conv:])
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)
    return write_sidecar(out, name, name + ".onnx", [spec("input", [3, 32, 32])], "input", "output",
                         ["text-detection", "space-to-depth", "depth-to-space"], note="SpaceToDepth stem written with the onnx helper API",
                         expect_on_path=["SpaceToDepth", "DepthToSpace"])


def builders():
    img = [spec("input", [3, 64, 64])]
    seq = [spec("input", [10, 16])]
    return [
        _build("unet_op17", UNet, img, ["output"], ["segmentation", "unet", "resize", "conv-transpose"],
               expect_on_path=["Resize", "ConvTranspose"]),
        _build("unet_resize_sizes_op13", lambda: UNet(by_size=True), img, ["output"], ["segmentation", "unet", "resize"], opset=13,
               expect_on_path=["Resize", "ConvTranspose"],
               note="bilinear align_corners and bicubic Resize to the skip connection's size"),
        _build("yolo_fpn_op17", YoloFpn, img, ["detections"], ["detection", "fpn", "resize", "sigmoid-heads"], expect_on_path=["Resize"]),
        _build("espcn_pixel_shuffle_op17", PixelShuffleSr, [spec("input", [1, 32, 32])], ["output"], ["super-resolution", "depth-to-space"],
               expect_on_path=["DepthToSpace"]),
        ("space_to_depth_op17", _space_to_depth),
        _build("mamba_loop_op17", lambda: MambaBlock(loop=True), seq, ["logits"], ["state-space", "loop"], expect_on_path=["Loop"]),
        _build("mamba_cumsum_op17", lambda: MambaBlock(loop=False), seq, ["logits"], ["state-space", "cumsum"], expect_on_path=["CumSum"]),
        _build("mha_classifier_op17", MhaClassifier, [spec("input", [10, 12])], ["logits"], ["attention", "multihead-attention"],
               extra_dynamic={"input": {1: "sequence"}}),
        _build("streaming_vad_op17", StreamingVad,
               [spec("input", [512]), spec("state", [2, 32], batch_axis=1, fill=0.0), spec("sr", [], dtype="int64", batch_axis=None, fill=16000)],
               ["output", "stateN"], ["audio", "streaming", "state-input", "if", "recurrent"], expect_on_path=["If"]),
        ("spectrogram_classifier_op17", audio.build_spectrogram_classifier),
    ]
