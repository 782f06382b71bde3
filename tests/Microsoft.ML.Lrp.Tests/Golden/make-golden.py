#!/usr/bin/python3
"""Golden relevance files made by independent LRP implementations: Zennit 0.5.1 and LXT (AttnLRP, CP-LRP).

Run with Debian's python3 (python3-torch, python3-onnx) and the two libraries' sources on PYTHONPATH; neither library
is part of this repository:

    PYTHONPATH=/tmp/zennit/src:/tmp/lxt /usr/bin/python3 tests/Microsoft.ML.Lrp.Tests/Golden/make-golden.py

With `--intermediate` it writes only vgg-intermediate.json and resnet-intermediate.json: Zennit's relevance at
intermediate layer outputs ("tensor": the ONNX value name, "shape": its row shape) of the models in vgg.onnx and
resnet.onnx, rebuilt with the same draws and checked against the committed files (PYTHONPATH=/tmp/zennit/src is enough).

(/tmp/zennit: `git archive 0.5.1` of github.com/chr5tphr/zennit, commit 3121bb2230; /tmp/lxt: `git archive` of
github.com/rachtibat/LRP-eXplains-Transformers at commit f043441775. The output is deterministic: rerunning it rewrites
the same bytes.)

Writes next to this script, for each model, `<name>.onnx` (float32, opset 17 unless named otherwise, dynamic batch)
and `<name>.json`: { "model": "<name>.onnx", "input_shape": [...], "input_type": "float" or "int64", "library": "...",
"cases": [ { "name", "composite", "target", "epsilon", "gamma", "lower", "upper", "input", "output", "relevance" } ] }.
Inputs are written with 9 significant digits (exact for float32), outputs and relevance with 10.
The reference relevance is computed in float64 from the float32 weights and inputs that the ONNX file and the JSON
hold, so that the only noise left in a comparison is the engine's own float32 arithmetic. Each case also records
"float32_deviation": the largest |R32 - R64| / max|R64| of the same library run in float32, a measure of how much
float32 rounding alone moves that case.

Semantics, as the two libraries define them:
- Zennit: composites EpsilonPlusFlat, EpsilonGammaBox (ZBox bounds = the images of pixel values 0 and 1, per element),
  EpsilonAlpha2Beta1, EpsilonPlus, EpsilonAlpha2Beta1Flat with their defaults (epsilon = stabilizer = 1e-6, gamma
  0.25); BatchNorm merged into the preceding Conv/Linear by the SequentialMergeBatchNorm canonizer (see
  exact_merge_batch_norm for the one change); the residual addition through Zennit's Sum layer so that it gets the
  Norm rule; the output seeded with onehot(target) * output, so that the seed is the target logit. The "first layer"
  of Zennit's Flat/ZBox is the first Conv/Linear module in module order, here also the first reached from the input.
- LXT: its efficient AttnLRP rules (LayerNorm with the standard deviation detached, the uniform rule at Q.K^T and
  A.V by dividing the gradients of Q and K by 4 and of V by 2, the identity rule at GELU) and CP-LRP (Q and K
  detached), applied as LXT's patches apply them to its models, with relevance = Gradient x Input. Linear layers,
  residual adds and the mean over tokens are plain gradients there, i.e. Epsilon/Norm rules with epsilon 0.
"""
import copy
import json
import os
import sys
import types

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261207
TARGET = 3


def _lxt_modules():
    """Imports LXT's efficient rules and patches without its package __init__ (which needs `transformers`)."""
    import lxt  # noqa: F401  (the top-level package is empty)
    root = os.path.join(os.path.dirname(lxt.__file__), 'efficient')
    package = types.ModuleType('lxt.efficient')
    package.__path__ = [root]
    sys.modules['lxt.efficient'] = package
    import lxt.efficient.rules as rules
    import lxt.efficient.patches as patches
    import lxt.explicit.functional as explicit
    return rules, patches, explicit


# ----------------------------------------------------------------------------------------------------------------
# Zennit: a VGG-like and a ResNet-like net with BatchNorm (eval mode, non-trivial running statistics).
# ----------------------------------------------------------------------------------------------------------------

class VggLike(torch.nn.Module):
    """Conv-BN-ReLU x2, MaxPool, Conv-BN-ReLU, MaxPool, Linear-BN1d-ReLU, Linear. Modules are declared in forward
    order, which Zennit's SequentialMergeBatchNorm relies on."""

    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
            torch.nn.Conv2d(8, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.BatchNorm2d(16), torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
        )
        self.classifier = torch.nn.Sequential(
            torch.nn.Flatten(),
            torch.nn.Linear(64, 32), torch.nn.BatchNorm1d(32), torch.nn.ReLU(),
            torch.nn.Linear(32, 10),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


class Block(torch.nn.Module):
    """A torchvision-style BasicBlock. With `zennit_sum` the residual addition is Zennit's Sum layer over a stacked
    pair (so that Zennit applies its Norm rule, as its ResNetCanonizer arranges); otherwise a plain `+`, which is
    what goes into the ONNX file (an Add node)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        from zennit.layer import Sum
        self.conv1 = torch.nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(cout)
        self.relu1 = torch.nn.ReLU()
        self.conv2 = torch.nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = torch.nn.Sequential(
                torch.nn.Conv2d(cin, cout, 1, stride=stride, bias=False), torch.nn.BatchNorm2d(cout))
        self.sum = Sum(dim=-1)
        self.relu2 = torch.nn.ReLU()
        self.zennit_sum = False

    def forward(self, x):
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        if self.zennit_sum:
            out = self.sum(torch.stack([identity, out], dim=-1))
        else:
            out = identity + out
        return self.relu2(out)


class ResNetLike(torch.nn.Module):
    """Stem Conv-BN-ReLU, a block with identity shortcut, a strided block with a 1x1 Conv-BN shortcut, global
    average pooling, Linear."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn = torch.nn.BatchNorm2d(8)
        self.relu = torch.nn.ReLU()
        self.block1 = Block(8, 8, 1)
        self.block2 = Block(8, 16, 2)
        self.pool = torch.nn.AdaptiveAvgPool2d(1)
        self.flatten = torch.nn.Flatten()
        self.fc = torch.nn.Linear(16, 10)

    def set_zennit_sum(self, on):
        self.block1.zennit_sum = on
        self.block2.zennit_sum = on

    def forward(self, x):
        x = self.relu(self.bn(self.conv(x)))
        x = self.block2(self.block1(x))
        return self.fc(self.flatten(self.pool(x)))


def randomise(model, generator):
    """Seeded weights, and BatchNorm with non-trivial affine parameters and running statistics."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
                fan_in = module.weight[0].numel()
                module.weight.copy_(torch.randn(module.weight.shape, generator=generator) * (2.0 / fan_in) ** 0.5)
                if module.bias is not None:
                    module.bias.copy_(torch.randn(module.bias.shape, generator=generator) * 0.1)
            elif isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                n = module.num_features
                module.weight.copy_(0.5 + torch.rand(n, generator=generator))
                module.bias.copy_(torch.randn(n, generator=generator) * 0.2)
                module.running_mean.copy_(torch.randn(n, generator=generator) * 0.3)
                module.running_var.copy_(0.5 + torch.rand(n, generator=generator))
    model.eval()
    return model


def export(model, example, name, opset=17):
    path = os.path.join(HERE, name + '.onnx')
    torch.onnx.export(
        model, example, path, opset_version=opset, input_names=['input'], output_names=['logits'],
        dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}},
        training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True)
    import onnx
    graph = onnx.load(path).graph
    return sorted({node.op_type for node in graph.node})


def zennit_relevance(model, x, composite, target):
    """Relevance at the input with the output seeded as onehot(target) * output (the target logit)."""
    x = x.clone().requires_grad_(True)
    with composite.context(model) as modified:
        out = modified(x)
        seed = torch.zeros_like(out)
        seed[:, target] = out[:, target]
        relevance, = torch.autograd.grad(out, x, grad_outputs=seed)
    return out.detach(), relevance.detach()


def exact_merge_batch_norm():
    """Zennit's SequentialMergeBatchNorm, with the emptied BatchNorm made an exact identity.

    Zennit 0.5.1 folds BatchNorm into the preceding layer and then sets the BatchNorm's mean 0, variance 1, scale 1
    and shift 0, but keeps its eps: the 'identity' left behind divides by sqrt(1 + eps), 1 - 5e-6 at eps = 1e-5, per
    BatchNorm. The canonized net then computes a slightly different function from the model (its logits were 2e-5
    below the ONNX model's in these nets, and the relevance with them). The rules are not affected; setting the
    emptied BatchNorm's eps to 0 while merged removes that offset, so that the golden relevance belongs to the very
    model in the ONNX file.
    """
    from zennit.canonizers import SequentialMergeBatchNorm

    class ExactMergeBatchNorm(SequentialMergeBatchNorm):
        def register(self, linears, batch_norm):
            super().register(linears, batch_norm)
            self.batch_norm_eps = batch_norm.eps
            batch_norm.eps = 0.0

        def remove(self):
            super().remove()
            self.batch_norm.eps = self.batch_norm_eps

    return ExactMergeBatchNorm()


def zennit_cases(name, model, inputs, low, high, per_channel_bounds):
    from zennit.composites import EpsilonPlusFlat, EpsilonGammaBox, EpsilonAlpha2Beta1, EpsilonPlus
    from zennit.composites import EpsilonAlpha2Beta1Flat

    def make(kind, dtype):
        lo, hi = low.to(dtype), high.to(dtype)
        if kind == 'EpsilonPlusFlat':
            return EpsilonPlusFlat(canonizers=[exact_merge_batch_norm()])
        if kind == 'EpsilonGammaBox':
            return EpsilonGammaBox(low=lo, high=hi, canonizers=[exact_merge_batch_norm()])
        if kind == 'EpsilonPlus':
            return EpsilonPlus(canonizers=[exact_merge_batch_norm()])
        if kind == 'EpsilonAlpha2Beta1Flat':
            return EpsilonAlpha2Beta1Flat(canonizers=[exact_merge_batch_norm()])
        return EpsilonAlpha2Beta1(canonizers=[exact_merge_batch_norm()])

    cases = []
    for kind in ('EpsilonPlusFlat', 'EpsilonGammaBox', 'EpsilonAlpha2Beta1', 'EpsilonPlus', 'EpsilonAlpha2Beta1Flat'):
        for i in range(inputs.shape[0]):
            x = inputs[i:i + 1]
            results = {}
            for dtype in (torch.float64, torch.float32):
                m = copy.deepcopy(model).to(dtype)
                results[dtype] = zennit_relevance(m, x.to(dtype), make(kind, dtype), TARGET)
            out64, rel64 = results[torch.float64]
            with torch.no_grad():
                plain = copy.deepcopy(model).double()(x.double())
            assert (plain - out64).abs().max().item() < 1e-9 * plain.abs().max().item(), 'canonized net != model'
            _, rel32 = results[torch.float32]
            scale = rel64.abs().max().item()
            case = {
                'name': f'{name}-{kind}-{i}', 'composite': kind, 'target': TARGET, 'epsilon': 1e-6, 'gamma': 0.25,
                'input': flat(x, 9), 'output': flat(out64), 'relevance': flat(rel64),
                'float32_deviation': (rel32.double() - rel64).abs().max().item() / scale,
            }
            if kind == 'EpsilonGammaBox':
                if per_channel_bounds:
                    case['lower'] = flat(low[0, :, 0, 0])
                    case['upper'] = flat(high[0, :, 0, 0])
                else:
                    case['lower'] = flat(low)
                    case['upper'] = flat(high)
            cases.append(case)
    return cases


def zennit_layer_relevance(model, x, composite, target, modules):
    """Relevance at the outputs of `modules` (module name -> module): the gradient that reaches each output tensor
    under the composite's rules, with the output seeded as in zennit_relevance."""
    captured = {}
    handles = [module.register_forward_hook(lambda m, i, o, key=key: captured.__setitem__(key, o))
               for key, module in modules.items()]
    try:
        x = x.clone().requires_grad_(True)
        with composite.context(model) as modified:
            out = modified(x)
            seed = torch.zeros_like(out)
            seed[:, target] = out[:, target]
            keys = list(modules)
            grads = torch.autograd.grad(out, [captured[k] for k in keys], grad_outputs=seed)
    finally:
        for handle in handles:
            handle.remove()
    return {k: g.detach() for k, g in zip(keys, grads)}


def zennit_intermediate_cases(name, model, inputs, low, high, per_channel_bounds, tensors):
    """Relevance at intermediate layer outputs. `tensors` maps an ONNX value name to the module whose output it is.
    Two inputs and three composites per model keep the file small."""
    from zennit.composites import EpsilonPlusFlat, EpsilonGammaBox, EpsilonAlpha2Beta1

    def make(kind, dtype):
        if kind == 'EpsilonPlusFlat':
            return EpsilonPlusFlat(canonizers=[exact_merge_batch_norm()])
        if kind == 'EpsilonGammaBox':
            return EpsilonGammaBox(low=low.to(dtype), high=high.to(dtype), canonizers=[exact_merge_batch_norm()])
        return EpsilonAlpha2Beta1(canonizers=[exact_merge_batch_norm()])

    cases = []
    for kind in ('EpsilonPlusFlat', 'EpsilonGammaBox', 'EpsilonAlpha2Beta1'):
        for i in range(2):
            x = inputs[i:i + 1]
            results = {}
            for dtype in (torch.float64, torch.float32):
                m = copy.deepcopy(model).to(dtype)
                named = dict(m.named_modules())
                results[dtype] = zennit_layer_relevance(m, x.to(dtype), make(kind, dtype), TARGET,
                                                        {t: named[module] for t, module in tensors.items()})
            for tensor in tensors:
                rel64, rel32 = results[torch.float64][tensor], results[torch.float32][tensor]
                case = {
                    'name': f'{name}-{kind}-{i}-{tensors[tensor]}', 'composite': kind, 'target': TARGET,
                    'epsilon': 1e-6, 'gamma': 0.25, 'input': flat(x, 9), 'tensor': tensor,
                    'shape': list(rel64.shape[1:]), 'relevance': flat(rel64),
                    'float32_deviation': (rel32.double() - rel64).abs().max().item() / rel64.abs().max().item(),
                }
                if kind == 'EpsilonGammaBox':
                    case['lower'] = flat(low[0, :, 0, 0]) if per_channel_bounds else flat(low)
                    case['upper'] = flat(high[0, :, 0, 0]) if per_channel_bounds else flat(high)
                cases.append(case)
    return cases


def check_same_model(name, model, inputs):
    """The rebuilt model is the one in <name>.onnx: its outputs equal the golden file's (same seeds, same draws)."""
    with open(os.path.join(HERE, name + '.json')) as f:
        golden = json.load(f)['cases']
    with torch.no_grad():
        out = copy.deepcopy(model).double()(inputs[:1].double())
    expected = torch.tensor(golden[0]['output'], dtype=torch.float64)
    assert (out.reshape(-1) - expected).abs().max().item() < 1e-8, f'{name}: the rebuilt model differs from {name}.onnx'


def write_intermediate(name, input_shape, cases):
    doc = {'model': name + '.onnx', 'input_shape': list(input_shape), 'library': 'zennit 0.5.1', 'cases': cases}
    with open(os.path.join(HERE, name + '-intermediate.json'), 'w') as f:
        json.dump(doc, f, indent=None, separators=(',', ':'))
        f.write('\n')
    for case in cases:
        print(f"{case['name']} at {case['tensor']}: sum R {sum(case['relevance']):+.5f}, "
              f"float32_deviation {case['float32_deviation']:.2e}")


def intermediate_main():
    """Only the intermediate-layer golden files (`--intermediate`): rebuilds the Zennit models with the same draws as
    main(), checks them against the committed files, and writes vgg-intermediate.json and resnet-intermediate.json."""
    torch.use_deterministic_algorithms(True)
    generator = torch.Generator().manual_seed(SEED)
    vgg = randomise(VggLike(), generator)
    x, low, high = image_inputs(generator, 3, (3, 8, 8))
    check_same_model('vgg', vgg, x)
    write_intermediate('vgg', (3, 8, 8), zennit_intermediate_cases('vgg', vgg, x, low, high, False, {
        '/features/features.2/Relu_output_0': 'features.2',      # the first stage (below two Conv rules)
        '/features/features.7/Conv_output_0': 'features.7',      # a Conv whose BatchNorm is merged into it
        '/features/features.9/Relu_output_0': 'features.9',      # the last convolutional stage
        '/classifier/classifier.3/Relu_output_0': 'classifier.3',  # a dense layer's activation
    }))
    resnet = randomise(ResNetLike(), generator)
    x, low, high = image_inputs(generator, 3, (3, 8, 8))
    check_same_model('resnet', resnet, x)
    resnet.set_zennit_sum(True)
    write_intermediate('resnet', (3, 8, 8), zennit_intermediate_cases('resnet', resnet, x, low, high, True, {
        '/block1/relu2/Relu_output_0': 'block1.relu2',  # after the identity-shortcut block
        '/block2/relu1/Relu_output_0': 'block2.relu1',  # inside the strided block's residual branch
        '/block2/relu2/Relu_output_0': 'block2.relu2',  # the last convolutional stage
    }))


def flat(t, digits=10):
    return [float(f'{v:.{digits}g}') for v in t.detach().double().reshape(-1).tolist()]


def image_inputs(generator, count, shape):
    """Inputs normalised like images: x = (u - mean) / std with u in [0, 1]; bounds are the images of 0 and 1."""
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    u = torch.rand((count,) + shape, generator=generator)
    x = ((u - mean) / std).float()
    low = ((torch.zeros((1,) + shape) - mean) / std).float()
    high = ((torch.ones((1,) + shape) - mean) / std).float()
    return x, low, high


# ----------------------------------------------------------------------------------------------------------------
# LXT: a tiny pre-LN transformer encoder on embeddings.
# ----------------------------------------------------------------------------------------------------------------

class TinyEncoder(torch.nn.Module):
    """x [N, T, D] -> LN -> 2-head softmax self-attention -> + x -> LN -> Linear-GELU-Linear -> + -> mean over
    tokens -> Linear -> logits [N, C]. `mode` selects plain PyTorch ('plain', exported to ONNX), LXT's efficient
    AttnLRP rules ('attnlrp'), LXT's efficient CP-LRP rules ('cplrp'), or LXT's explicit AttnLRP functions
    ('explicit', a cross-check of the efficient path)."""

    def __init__(self, d=8, heads=2, ff=16, classes=5):
        super().__init__()
        self.d, self.heads = d, heads
        self.ln1 = torch.nn.LayerNorm(d)
        self.q = torch.nn.Linear(d, d)
        self.k = torch.nn.Linear(d, d)
        self.v = torch.nn.Linear(d, d)
        self.o = torch.nn.Linear(d, d)
        self.ln2 = torch.nn.LayerNorm(d)
        self.fc1 = torch.nn.Linear(d, ff)
        self.fc2 = torch.nn.Linear(ff, d)
        self.head = torch.nn.Linear(d, classes)
        self.mode = 'plain'

    def _linear(self, layer, x):
        if self.mode == 'explicit':
            return EXPLICIT.linear_epsilon(x, layer.weight, layer.bias, epsilon=1e-6)
        return layer(x)

    def _norm(self, layer, x):
        if self.mode in ('attnlrp', 'cplrp'):
            return PATCHES.layer_norm_forward(layer, x)
        if self.mode == 'explicit':
            return EXPLICIT.layer_norm(x, layer.weight, layer.bias, layer.eps)
        return layer(x)

    def _add(self, a, b):
        if self.mode == 'explicit':
            return EXPLICIT.add2(a, b, epsilon=1e-6)
        return a + b

    def forward(self, x):
        n, t, d = x.shape
        h, dh = self.heads, self.d // self.heads
        y = self._norm(self.ln1, x)
        q = self._linear(self.q, y).reshape(n, t, h, dh).transpose(1, 2)
        k = self._linear(self.k, y).reshape(n, t, h, dh).transpose(1, 2)
        v = self._linear(self.v, y).reshape(n, t, h, dh).transpose(1, 2)
        if self.mode == 'attnlrp':
            # LXT's wrap_attention_forward: the uniform rule at Q·Kᵀ and at A·V.
            q, k, v = RULES.divide_gradient(q, 4), RULES.divide_gradient(k, 4), RULES.divide_gradient(v, 2)
        elif self.mode == 'cplrp':
            # LXT's cp_wrap_attention_forward: no relevance through the softmax.
            q, k = RULES.stop_gradient(q), RULES.stop_gradient(k)
        scale = 1.0 / dh ** 0.5
        if self.mode == 'explicit':
            scores = EXPLICIT.matmul(q, k.transpose(-1, -2), epsilon=1e-6)
            weights = EXPLICIT.softmax(scores, -1, temperature=1.0 / scale)
            attended = EXPLICIT.matmul(weights, v, epsilon=1e-6)
        else:
            scores = torch.matmul(q, k.transpose(-1, -2)) * scale
            weights = torch.softmax(scores, dim=-1)
            attended = torch.matmul(weights, v)
        attended = attended.transpose(1, 2).reshape(n, t, d)
        x = self._add(x, self._linear(self.o, attended))
        f = self._linear(self.fc1, self._norm(self.ln2, x))
        if self.mode in ('attnlrp', 'cplrp'):
            f = RULES.identity_rule_implicit(F.gelu, f)
        elif self.mode == 'explicit':
            f = EXPLICIT_RULES.identity(F.gelu, f)
        else:
            f = F.gelu(f)
        x = self._add(x, self._linear(self.fc2, f))
        if self.mode == 'explicit':
            pooled = EXPLICIT.mean(x, 1, False, epsilon=1e-6)
        else:
            pooled = x.mean(dim=1)
        return self._linear(self.head, pooled)


def lxt_relevance(model, x, mode, target):
    """Gradient x Input with LXT's rules in place; the output seeded as onehot(target) * output. In the explicit
    functions the gradient already is the relevance, which the efficient path gets by multiplying with the input."""
    model.mode = mode
    x = x.clone().requires_grad_(True)
    out = model(x)
    model.mode = 'plain'
    if mode == 'explicit':
        seed = torch.zeros_like(out)
        seed[:, target] = out[:, target]
        relevance, = torch.autograd.grad(out, x, grad_outputs=seed)
        return out.detach(), relevance.detach()
    seed = torch.zeros_like(out)
    seed[:, target] = 1.0
    gradient, = torch.autograd.grad(out, x, grad_outputs=seed)
    return out.detach(), (x * gradient).detach()


def lxt_cases(model, inputs):
    cases = []
    for kind, mode in (('AttnLrp', 'attnlrp'), ('CpLrp', 'cplrp')):
        for i in range(inputs.shape[0]):
            x = inputs[i:i + 1]
            out64, rel64 = lxt_relevance(copy.deepcopy(model).double(), x.double(), mode, TARGET)
            _, rel32 = lxt_relevance(copy.deepcopy(model).float(), x.float(), mode, TARGET)
            scale = rel64.abs().max().item()
            case = {
                # LXT's efficient rules are Gradient x Input: every Epsilon rule and stabiliser has epsilon 0.
                'name': f'encoder-{kind}-{i}', 'composite': kind, 'target': TARGET, 'epsilon': 0.0,
                'input': flat(x, 9), 'output': flat(out64), 'relevance': flat(rel64),
                'float32_deviation': (rel32.double() - rel64).abs().max().item() / scale,
            }
            if mode == 'attnlrp':
                # Cross-check: LXT's explicit AttnLRP functions against its efficient path. They use epsilon 1e-6
                # added without sign (z + eps, not z + eps sign(z)), so they agree only up to that stabiliser.
                _, explicit = lxt_relevance(copy.deepcopy(model).double(), x.double(), 'explicit', TARGET)
                case['explicit_deviation'] = (explicit - rel64).abs().max().item() / scale
            cases.append(case)
    return cases


class TokenEncoder(torch.nn.Module):
    """Token ids [N, T] -> word embedding + learned position embedding -> TinyEncoder."""

    def __init__(self, encoder, generator, vocab=12, tokens=6):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, encoder.d)
        self.pos = torch.nn.Parameter(torch.zeros(tokens, encoder.d))
        with torch.no_grad():
            self.embed.weight.copy_(torch.randn(self.embed.weight.shape, generator=generator))
            self.pos.copy_(torch.randn(self.pos.shape, generator=generator) * 0.3)
        self.encoder = encoder

    def forward(self, ids):
        return self.encoder(self.embed(ids) + self.pos)


def lxt_token_cases(model, ids):
    """Relevance per token: LXT's relevance at the word embeddings (Gradient x Input there; the position embedding,
    a constant added to them, takes its own share), summed over the embedding dimension."""
    def relevance(m, row, mode):
        e = m.embed(row).detach().requires_grad_(True)
        m.encoder.mode = mode
        out = m.encoder(e + m.pos)
        m.encoder.mode = 'plain'
        seed = torch.zeros_like(out)
        seed[:, TARGET] = 1.0
        gradient, = torch.autograd.grad(out, e, grad_outputs=seed)
        return out.detach(), (e * gradient).sum(-1).detach()

    cases = []
    for kind, mode in (('AttnLrp', 'attnlrp'), ('CpLrp', 'cplrp')):
        for i in range(ids.shape[0]):
            row = ids[i:i + 1]
            out64, rel64 = relevance(copy.deepcopy(model).double(), row, mode)
            _, rel32 = relevance(copy.deepcopy(model).float(), row, mode)
            cases.append({
                'name': f'tokens-{kind}-{i}', 'composite': kind, 'target': TARGET, 'epsilon': 0.0,
                'input': [int(v) for v in row.reshape(-1).tolist()], 'output': flat(out64), 'relevance': flat(rel64),
                'float32_deviation': (rel32.double() - rel64).abs().max().item() / rel64.abs().max().item(),
            })
    return cases


def write(name, onnx_ops, input_shape, library, cases, input_type='float'):
    doc = {'model': name + '.onnx', 'input_shape': list(input_shape), 'input_type': input_type, 'library': library,
           'onnx_ops': onnx_ops, 'cases': cases}
    with open(os.path.join(HERE, name + '.json'), 'w') as f:
        json.dump(doc, f, indent=None, separators=(',', ':'))
        f.write('\n')
    for case in cases:
        extra = f", explicit_deviation {case['explicit_deviation']:.2e}" if 'explicit_deviation' in case else ''
        print(f"{case['name']}: sum R {sum(case['relevance']):+.5f}, score {case['output'][case['target']]:+.5f}, "
              f"float32_deviation {case['float32_deviation']:.2e}{extra}")


def main():
    global RULES, PATCHES, EXPLICIT, EXPLICIT_RULES
    RULES, PATCHES, EXPLICIT = _lxt_modules()
    if 'torch.func' not in sys.modules:
        # lxt.explicit.rules imports torch.func (PyTorch >= 2.0) for rules not used here; Debian's torch 1.13 has
        # the same functions in functorch.
        import functorch
        sys.modules['torch.func'] = functorch
    import lxt.explicit.rules as explicit_rules
    EXPLICIT_RULES = explicit_rules
    torch.use_deterministic_algorithms(True)
    generator = torch.Generator().manual_seed(SEED)

    vgg = randomise(VggLike(), generator)
    x, low, high = image_inputs(generator, 3, (3, 8, 8))
    ops = export(vgg, x[:1], 'vgg')
    write('vgg', ops, (3, 8, 8), 'zennit 0.5.1', zennit_cases('vgg', vgg, x, low, high, False))

    resnet = randomise(ResNetLike(), generator)
    x, low, high = image_inputs(generator, 3, (3, 8, 8))
    ops = export(resnet, x[:1], 'resnet')
    resnet.set_zennit_sum(True)
    write('resnet', ops, (3, 8, 8), 'zennit 0.5.1', zennit_cases('resnet', resnet, x, low, high, True))

    encoder = randomise(TinyEncoder(), generator)
    with torch.no_grad():
        for ln in (encoder.ln1, encoder.ln2):
            ln.weight.copy_(0.5 + torch.rand(ln.weight.shape, generator=generator))
            ln.bias.copy_(torch.randn(ln.bias.shape, generator=generator) * 0.1)
    tokens = torch.randn((3, 6, 8), generator=generator).float()
    cases = lxt_cases(encoder, tokens)
    library = 'lxt f043441 (efficient rules; AttnLRP cross-checked with lxt.explicit)'
    write('encoder', export(encoder, tokens[:1], 'encoder'), (6, 8), library, cases)
    # The same encoder at opset 13, where PyTorch writes LayerNorm as ReduceMean, Sub, Pow, Sqrt, Div, Mul, Add.
    for case in cases:
        case['name'] = case['name'].replace('encoder-', 'encoder13-')
    write('encoder13', export(encoder, tokens[:1], 'encoder13', opset=13), (6, 8), library, cases)

    token_model = TokenEncoder(encoder, generator)
    ids = torch.randint(0, 12, (3, 6), generator=generator)
    write('tokens', export(token_model, ids[:1], 'tokens'), (6,), library, lxt_token_cases(token_model, ids),
          input_type='int64')


if __name__ == '__main__':
    if '--intermediate' in sys.argv:
        intermediate_main()
    else:
        main()
