"""How long the customer-track guard takes on a large update: a 10 KB text checked against
50 internal texts and 30 plan terms (new internal texts each round, so nothing is cached).

    .venv/bin/python bench/guard_speed.py

Prints the best and median of 20 rounds in milliseconds. Not part of `make test`.
"""

from __future__ import annotations

import statistics
import time

from muster.domain.guard import check_customer_text


def main() -> None:
    sentence = "Payments fail for some users since 18:10; see status.example.com/x at 18:40. "
    text = (sentence * 140)[:10_240]
    note = "the fixer checked the queue on the worker and found it stuck again. "
    terms = [f"term-{n}" for n in range(30)]
    rounds = []
    for attempt in range(20):
        internal = [f"{attempt} {n}: {note * 5}" for n in range(50)]
        started = time.perf_counter()
        check_customer_text(text, terms=terms, internal_texts=internal)
        rounds.append((time.perf_counter() - started) * 1000)
    print(
        f"guard, 10 KB text vs 50 internal texts: best {min(rounds):.1f} ms, "
        f"median {statistics.median(rounds):.1f} ms"
    )


if __name__ == "__main__":
    main()
