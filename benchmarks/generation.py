"""Generation speed and the gate's discard rate.

    python benchmarks/generation.py [--cases 3000] [--seed 0]

Draws (composition, point) pairs from the default strategies, runs both oracles
and the gate on each, and prints cases per second for generation alone and for
generation plus both oracles, and the share of cases the gate discards
(target: under 1%). Numbers, not assertions: nothing here fails a build.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graders.model.oracles import reference
from strategies import compositions, points


def draw_cases(count: int, seed: int) -> list:
    cases = []

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def collect(data):
        c = data.draw(compositions())
        cases.append((c, data.draw(points(c))))

    random.seed(seed)
    collect()
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    start = time.perf_counter()
    cases = draw_cases(args.cases, args.seed)
    generation = time.perf_counter() - start

    start = time.perf_counter()
    kept = [reference(c, p) is not None for c, p in cases]
    oracles = time.perf_counter() - start

    sizes = Counter(len(c.nodes) for c, _ in cases)
    discarded = kept.count(False)
    print(f"cases generated:            {len(cases)}")
    print(f"generation:                 {len(cases) / generation:8.0f} cases/s")
    print(f"both oracles + gate:        {len(cases) / oracles:8.0f} cases/s")
    print(f"end to end:                 {len(cases) / (generation + oracles):8.0f} cases/s")
    print(f"discarded by the gate:      {discarded} ({100 * discarded / len(cases):.2f}%)")
    print(f"ops per composition:        {dict(sorted(sizes.items()))}")


if __name__ == "__main__":
    main()
