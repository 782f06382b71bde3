#!/usr/bin/env python3
"""Exports Llama-architecture decoders with seeded random weights to ONNX (opset 17) with Debian's python3-torch.

    export-llama.py tiny  OUT_DIR     # the small test variants (committed under tests/Microsoft.ML.Lrp.Tests/Llm/models)
    export-llama.py 1.1b  OUT_DIR     # TinyLlama-1.1B shapes, weights as external data (over 4 GB; not committed)
    export-llama.py 2layer OUT_DIR    # the same widths with 2 layers (0.9 GB of weights): for profiling memory multiples

Each variant comes in two forms: prompt only (input_ids, attention_mask -> logits) and with a key/value cache
(input_ids, attention_mask over past + new tokens, past_key_values.{i}.key/value -> logits, present.{i}.key/value).
The architecture: token embedding, per layer RMSNorm -> grouped-query attention with rotary position embeddings
(positions from the attention mask: cumulative sum - 1) -> residual, RMSNorm -> SwiGLU MLP -> residual; final
RMSNorm, untied LM head. Variants: "qwen" adds biases to the Q/K/V projections and RMS-normalises queries and keys
per head (QK-norm); "phi" rotates only the first half of each head (partial rotary).
Random weights are for size, memory, speed and coverage; they say nothing about faithfulness.
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class RmsNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.weight, self.eps = nn.Parameter(1.0 + 0.1 * torch.randn(d)), eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate(x, cos, sin, rotary_dim):
    rot, keep = x[..., :rotary_dim], x[..., rotary_dim:]
    half = rotary_dim // 2
    rotated = rot * cos + torch.cat([-rot[..., half:], rot[..., :half]], -1) * sin
    return torch.cat([rotated, keep], -1) if keep.shape[-1] > 0 else rotated


class Block(nn.Module):
    def __init__(self, d, heads, kv_heads, ff, qkv_bias, qk_norm):
        super().__init__()
        self.h, self.kv, self.hd = heads, kv_heads, d // heads
        self.norm1, self.norm2 = RmsNorm(d), RmsNorm(d)
        self.q = nn.Linear(d, heads * self.hd, bias=qkv_bias)
        self.k = nn.Linear(d, kv_heads * self.hd, bias=qkv_bias)
        self.v = nn.Linear(d, kv_heads * self.hd, bias=qkv_bias)
        self.o = nn.Linear(heads * self.hd, d, bias=False)
        self.q_norm = RmsNorm(self.hd) if qk_norm else None
        self.k_norm = RmsNorm(self.hd) if qk_norm else None
        self.gate, self.up = nn.Linear(d, ff, bias=False), nn.Linear(d, ff, bias=False)
        self.down = nn.Linear(ff, d, bias=False)

    def forward(self, x, cos, sin, rotary_dim, bias, past):
        b, n, _ = x.shape
        h = self.norm1(x)
        q = self.q(h).view(b, n, self.h, self.hd).transpose(1, 2)
        k = self.k(h).view(b, n, self.kv, self.hd).transpose(1, 2)
        v = self.v(h).view(b, n, self.kv, self.hd).transpose(1, 2)
        if self.q_norm is not None:
            q, k = self.q_norm(q), self.k_norm(k)
        q, k = rotate(q, cos, sin, rotary_dim), rotate(k, cos, sin, rotary_dim)
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        present = (k, v)
        total = k.shape[2]
        # Grouped-query attention: each key/value head serves heads/kv_heads query heads (repeat_interleave form).
        k = k[:, :, None].expand(b, self.kv, self.h // self.kv, total, self.hd).reshape(b, self.h, total, self.hd)
        v = v[:, :, None].expand(b, self.kv, self.h // self.kv, total, self.hd).reshape(b, self.h, total, self.hd)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.hd) + bias
        y = torch.matmul(torch.softmax(scores, -1), v).transpose(1, 2).reshape(b, n, self.h * self.hd)
        x = x + self.o(y)
        h = self.norm2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h)), present


class Llama(nn.Module):
    def __init__(self, vocab, d, heads, kv_heads, layers, ff, qkv_bias=False, qk_norm=False, rotary_fraction=1.0):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(Block(d, heads, kv_heads, ff, qkv_bias, qk_norm) for _ in range(layers))
        self.norm, self.lm_head = RmsNorm(d), nn.Linear(d, vocab, bias=False)
        hd = d // heads
        self.rotary_dim = int(hd * rotary_fraction)
        self.register_buffer("inv_freq", 1.0 / (10000 ** (torch.arange(0, self.rotary_dim, 2).float() / self.rotary_dim)), persistent=False)

    def forward(self, input_ids, attention_mask, *past):
        n, total = input_ids.shape[1], attention_mask.shape[1]
        positions = (attention_mask.cumsum(-1) - 1).clamp(min=0)[:, total - n:]
        freqs = positions[..., None].float() * self.inv_freq
        emb = torch.cat([freqs, freqs], -1)[:, None]
        cos, sin = emb.cos(), emb.sin()
        causal = torch.arange(total)[None, :] <= (torch.arange(n)[:, None] + (total - n))
        bias = (1.0 - causal.float())[None, None] * -1e9 + (1.0 - attention_mask[:, None, None, :].float()) * -1e9
        x, presents = self.embed(input_ids), []
        for i, block in enumerate(self.blocks):
            x, present = block(x, cos, sin, self.rotary_dim, bias, (past[2 * i], past[2 * i + 1]) if past else None)
            presents += list(present)
        logits = self.lm_head(self.norm(x))
        return (logits, *presents) if past else logits


def export(model, path, layers, kv_heads, hd, vocab, cache, external):
    model.eval()
    ids = torch.randint(0, vocab, (1, 5))
    past_len = 3 if cache else 0
    mask = torch.ones(1, past_len + 5, dtype=torch.int64)
    # Without a cache the mask spans the prompt itself (its length is the sequence's); with one it spans past and
    # new tokens.
    mask_axis = "total_sequence" if cache else "sequence"
    names, args, axes = ["input_ids", "attention_mask"], [ids, mask], {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: mask_axis}, "logits": {0: "batch", 1: "sequence"}}
    outputs = ["logits"]
    if cache:
        for i in range(layers):
            for kv in ("key", "value"):
                names.append(f"past_key_values.{i}.{kv}")
                args.append(torch.randn(1, kv_heads, past_len, hd))
                axes[f"past_key_values.{i}.{kv}"] = {0: "batch", 2: "past_sequence"}
                outputs.append(f"present.{i}.{kv}")
                axes[f"present.{i}.{kv}"] = {0: "batch", 2: "total_sequence"}
    import tempfile
    with tempfile.TemporaryDirectory(dir=os.path.dirname(path) or ".") as scratch:
        # Over 2 GB torch writes one file per tensor beside the model: export into a scratch folder, then save one
        # model file and one data file.
        traced = os.path.join(scratch, "model.onnx")
        with torch.no_grad():
            torch.onnx.export(model, tuple(args), traced, opset_version=17, input_names=names, output_names=outputs,
                              dynamic_axes=axes, do_constant_folding=True)
        if external:
            import onnx
            m = onnx.load(traced)
            onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True,
                            location=os.path.basename(path) + ".data", size_threshold=1024)
        else:
            os.replace(traced, path)
    print(path, os.path.getsize(path), "bytes")


def dump_weights(model, path):
    """The weights by module name (torch layout: Linear weights [out, in]) for the tests' naive double reference."""
    import json
    weights = {name: {"shape": list(p.shape), "data": [float(v) for v in p.detach().reshape(-1)]} for name, p in model.state_dict().items()
               if name != "inv_freq"}
    with open(path, "w") as f:
        json.dump(weights, f)


def main():
    kind, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    if kind == "tiny":
        variants = {
            "llama": dict(vocab=96, d=32, heads=4, kv_heads=2, layers=2, ff=48),
            "qwen": dict(vocab=96, d=32, heads=4, kv_heads=2, layers=2, ff=48, qkv_bias=True, qk_norm=True),
            "phi": dict(vocab=96, d=32, heads=4, kv_heads=4, layers=2, ff=48, rotary_fraction=0.5),
        }
        external = False
    elif kind in ("1.1b", "2layer"):
        layers = 22 if kind == "1.1b" else 2
        name = "tinyllama-1.1b" if kind == "1.1b" else "tinyllama-2layer"
        variants = {name: dict(vocab=32000, d=2048, heads=32, kv_heads=4, layers=layers, ff=5632)}
        external = True
    else:
        raise SystemExit("usage: export-llama.py tiny|1.1b|2layer OUT_DIR")
    for name, cfg in variants.items():
        torch.manual_seed(0)
        model = Llama(**cfg)
        if kind != "tiny":
            # Small init keeps 22 random layers' activations in range (as trained models are).
            for p in model.parameters():
                if p.dim() == 2:
                    nn.init.normal_(p, std=0.02)
        hd = cfg["d"] // cfg["heads"]
        if kind == "tiny" and name == "llama":
            dump_weights(model, os.path.join(out, "llama.weights.json"))
        for cache in (False, True):
            path = os.path.join(out, f"{name}{'-kv' if cache else ''}.onnx")
            export(model, path, cfg["layers"], cfg["kv_heads"], hd, cfg["vocab"], cache, external)


if __name__ == "__main__":
    main()
