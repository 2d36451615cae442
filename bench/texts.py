"""Benchmark: text screening (classifier + red flags + entities + link checks) in texts per second.

Reproduce: taskset -c 0 .venv/bin/python bench/texts.py --texts 20000 --repeat 5
Runs single-threaded (BLAS and OpenMP threads pinned to 1 before numpy loads). Texts are the shipped seed
corpus repeated with a varying suffix, so lengths match short SMS/chat messages (median ~30 characters).
Prints the median throughput of the batch API, the single-text API, and the red-flag step alone.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from qiandai.texts.links import LinkChecker  # noqa: E402
from qiandai.texts.methods import load_book  # noqa: E402
from qiandai.texts.normalize import normalize  # noqa: E402
from qiandai.texts.redflags import RedFlagMatcher  # noqa: E402
from qiandai.texts.screening import TextScreener  # noqa: E402
from qiandai.texts.training import seed_corpus, train  # noqa: E402

TARGET = 5_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args()

    book = load_book(None)
    data = seed_corpus(book)
    screener = TextScreener(book, train(data), LinkChecker())
    base = data.texts
    texts = [f"{base[i % len(base)]}{i}" for i in range(args.texts)]
    lengths = sorted(len(t) for t in texts)

    def batch_run() -> float:
        t0 = time.perf_counter()
        for k in range(0, len(texts), args.batch):
            screener.screen_many(texts[k : k + args.batch])
        return len(texts) / (time.perf_counter() - t0)

    single = texts[: min(len(texts), 3_000)]

    def single_run() -> float:
        t0 = time.perf_counter()
        for t in single:
            screener.screen(t)
        return len(single) / (time.perf_counter() - t0)

    matcher = RedFlagMatcher(book)
    norms = [normalize(t) for t in texts]

    def flags_run() -> float:
        t0 = time.perf_counter()
        for t, n in zip(texts, norms, strict=True):
            matcher.find(t, n)
        return len(texts) / (time.perf_counter() - t0)

    batch_run()  # warm-up
    batch = statistics.median(batch_run() for _ in range(args.repeat))
    one = statistics.median(single_run() for _ in range(args.repeat))
    flags = statistics.median(flags_run() for _ in range(args.repeat))
    print(f"texts: {len(texts):,}  median length {lengths[len(lengths) // 2]} chars  batch {args.batch}")
    print(
        f"screen_many (batch), median of {args.repeat}: {batch:,.0f} texts/s  (target {TARGET:,}/s per core)"
    )
    print(f"screen (one at a time), median of {args.repeat}: {one:,.0f} texts/s")
    print(f"red flags alone, median of {args.repeat}: {flags:,.0f} texts/s")
    print("target met" if batch >= TARGET else "TARGET NOT MET")
    cmd = f"--texts {args.texts} --repeat {args.repeat} --batch {args.batch}"
    print(f"reproduce: taskset -c 0 .venv/bin/python bench/texts.py {cmd}")


if __name__ == "__main__":
    main()
