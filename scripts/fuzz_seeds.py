#!/usr/bin/env python3
"""Writes the starting corpus of each fuzz target (used by scripts/fuzz).

Usage: fuzz_seeds.py OUT_DIR DATA_DIR TARGET...

For each target, OUT_DIR/<target>/ gets the committed seeds (fuzz/seeds/<target>/)
and seeds made from the golden vectors (core/tests/data/*.json). The text targets
also get messages from each JSONL file of the bundled demo inbox and of DATA_DIR
(clinc150.jsonl, banking77.jsonl), taken at an even stride so the pick is the same on
every run: up to 150 per file for normalize_signature, one in 15 of those for
engine_ops (which is slow). A missing DATA_DIR is reported,
not an error: the committed seeds and golden vectors are enough to start.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "core" / "tests" / "data"
PER_FILE = 150
ENGINE_STRIDE = 15


def golden_texts() -> list[str]:
    texts: list[str] = []
    sigs = json.loads((GOLDEN / "v1_signatures.json").read_text(encoding="utf-8"))
    texts += [row["input"] for row in sigs["v1"] + sigs["stable"]]
    texts += [t for group in sigs["stable_same"] for t in group]
    topics = json.loads((GOLDEN / "topics.json").read_text(encoding="utf-8"))
    texts += [c["message"] for c in topics["cases"]]
    safety = json.loads((GOLDEN / "safety_v1_vectors.json").read_text(encoding="utf-8"))
    texts += [v["message"] for v in safety["vectors"]]
    return texts


def data_texts(data_dir: Path) -> list[str]:
    files = [ROOT / "examples" / "data" / "demo_inbox.jsonl"]
    found = [data_dir / n for n in ("clinc150.jsonl", "banking77.jsonl") if (data_dir / n).is_file()]
    if not found:
        print(f"    fuzz seeds: public data not found in {data_dir}; using the bundled demo inbox only")
    texts: list[str] = []
    for f in files + found:
        lines = f.read_text(encoding="utf-8").splitlines()
        step = max(1, len(lines) // PER_FILE)
        texts += [json.loads(line)["text"] for line in lines[::step][:PER_FILE]]
    return texts


def template_seeds() -> list[bytes]:
    vectors = json.loads((GOLDEN / "templates.json").read_text(encoding="utf-8"))
    return [
        v["template"].encode() + b"\0" + json.dumps(v.get("context", {})).encode()
        for v in vectors["render"]
    ]


def main() -> None:
    out, data_dir, targets = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
    texts = [t.encode() for t in golden_texts()]
    extra = {
        "normalize_signature": texts + [t.encode() for t in data_texts(data_dir)],
        # engine_ops runs at only ~10 exec/s (an engine per input): a few data seeds,
        # or replaying them would use up the run before fuzzing starts.
        "engine_ops": [t.encode() for t in data_texts(data_dir)[::ENGINE_STRIDE]],
        "template_render": template_seeds(),
        "v1_import": [(GOLDEN / "store" / n).read_bytes() for n in ("v1_rows.export.csv", "v1_rows.export.json")],
    }
    for target in targets:
        dest = out / target
        dest.mkdir(parents=True, exist_ok=True)
        committed = ROOT / "fuzz" / "seeds" / target
        if committed.is_dir():
            for f in committed.iterdir():
                shutil.copyfile(f, dest / f.name)
        for i, blob in enumerate(extra.get(target, [])):
            (dest / f"gen-{i:04}").write_bytes(blob)


if __name__ == "__main__":
    main()
