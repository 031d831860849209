"""Export the wheel's all-MiniLM-L6-v2 to ONNX, optionally int8-quantized.

Runs once per machine in a child process (``python -m nlu.embeddings_export MODEL_DIR
TARGET [--fp32]``), so torch is imported only here and never by a process that parses.
The graph takes ``input_ids`` and ``attention_mask`` and returns the mean-pooled,
L2-normalised sentence vector, as sentence-transformers computes it.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from nlu.embeddings_onnx import quantize_int8

OPSET = 17


def export(model_dir: Path, target: Path, *, quantize: bool) -> None:
    """Write the ONNX model to ``target`` (atomically)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        fp32 = Path(work) / "fp32.onnx"
        _export_fp32(model_dir, fp32)
        result = Path(work) / "out.onnx"
        if quantize:
            quantize_int8(fp32, result)
        else:
            fp32.replace(result)
        result.replace(target)


def _export_fp32(model_dir: Path, path: Path) -> None:
    """Trace the transformer plus pooling with the TorchScript exporter."""
    import torch
    from transformers import AutoModel

    # Eager attention traces to plain MatMul/Softmax that ONNX Runtime fuses and quantizes.
    bert: Any = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask)[0]
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    example = torch.ones(2, 8, dtype=torch.int64)
    with torch.no_grad():
        torch.onnx.export(
            Pooled(),
            (example, example),
            str(path),
            dynamo=False,
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "embedding": {0: "batch"},
            },
            opset_version=OPSET,
        )


def main() -> None:
    """Command line used by ``nlu.embeddings_onnx`` on a cache miss."""
    import warnings

    warnings.simplefilter("ignore")  # tracer and deprecation warnings are expected here
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--fp32", action="store_true", help="skip int8 quantization")
    args = parser.parse_args()
    export(args.model_dir, args.target, quantize=not args.fp32)


if __name__ == "__main__":
    main()
