#!/usr/bin/python3
"""Independent reference of wsnas-search's strategies on NAS-Bench-201 (tests/test_search.sh).

Written from the published definitions and from docs/search.md's rules of every random draw, not
from wsnas's C++:
  - the generator: xoshiro256** (Blackman & Vigna, "Scrambled linear pseudorandom number
    generators", 2018; prng.di.unimi.it/xoshiro256starstar.c), its four words seeded by
    splitmix64 (prng.di.unimi.it/splitmix64.c) from the run's seed; a bounded draw below(n)
    rejects raw values >= 2^64 - 1 - (2^64 - 1) mod n and returns the rest mod n;
  - NAS-Bench-201's decisions: its 6 edges in the order of the official string
    |1<-0|+|2<-0|2<-1|+|3<-0|3<-1|3<-2|, each one of none, skip_connect, nor_conv_1x1,
    nor_conv_3x3, avg_pool_3x3 (Dong & Yang, ICLR 2020, Sec. 2.1; the benchmark's op list); an
    architecture is valid when non-none edges lead from node 0 to node 3 (the paper, App. A.1);
  - a uniform valid draw: below(5) per edge in order, the whole draw repeated until valid;
  - random search: `budget` such draws;
  - regularised evolution (Real et al., AAAI 2019, Algorithm 1): `population` draws, then per
    cycle a tournament of `sample` members drawn with replacement by below(len(population)), the
    fittest the parent (the first drawn among equals), a child mutated from it (an edge by
    below(6), a different op by below(4), +1 when >= the parent's; redrawn from the parent
    until valid), appended, the oldest removed.
The fitness is a column of the NATS-Bench table (data/nb201/nats_bench.csv.gz), an oracle.

Usage: search_reference.py TABLE.csv.gz COLUMN SEARCH.h5
Compares every run of SEARCH.h5 (wsnas-search --out) with its own run of the same strategy, seed,
budget, population and sample size; prints "STRATEGY-sSEED same_archs True|False
best_fitness_diff D evaluations N" per run.
"""
import csv
import gzip
import sys

M64 = (1 << 64) - 1
OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
EDGES = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]  # (to, from), the string's order


class Rng:
    def __init__(self, seed):
        x = seed & M64
        self.s = []
        for _ in range(4):  # splitmix64
            x = (x + 0x9E3779B97F4A7C15) & M64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
            self.s.append(z ^ (z >> 31))

    @staticmethod
    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & M64

    def next(self):  # xoshiro256**
        s = self.s
        result = (self.rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self.rotl(s[3], 45)
        return result

    def below(self, n):
        limit = M64 - M64 % n
        while True:
            r = self.next()
            if r < limit:
                return r % n


def valid(arch):
    reach = {0}
    for (to, frm), op in zip(EDGES, arch):
        if op != 0 and frm in reach:
            reach.add(to)
    return 3 in reach


def to_string(arch):
    ops = ["%s~%d" % (OPS[o], frm) for (to, frm), o in zip(EDGES, arch)]
    return "|" + ops[0] + "|+|" + "|".join(ops[1:3]) + "|+|" + "|".join(ops[3:]) + "|"


def sample(rng):
    while True:
        a = [rng.below(len(OPS)) for _ in EDGES]
        if valid(a):
            return a


def mutate(parent, rng):
    while True:
        child = list(parent)
        d = rng.below(len(EDGES))
        o = rng.below(len(OPS) - 1)
        if o >= child[d]:
            o += 1
        child[d] = o
        if valid(child):
            return child


def random_search(fit, budget, seed, population, sample_size):
    rng = Rng(seed)
    out = []
    for _ in range(budget):
        a = sample(rng)
        out.append((a, fit(a)))
    return out


def evolution(fit, budget, seed, population, sample_size):
    rng = Rng(seed)
    history, pop = [], []
    while len(history) < budget and len(pop) < population:
        a = sample(rng)
        history.append((a, fit(a)))
        pop.append(len(history) - 1)
    while len(history) < budget:
        parent = pop[rng.below(len(pop))]
        for _ in range(1, sample_size):
            c = pop[rng.below(len(pop))]
            if history[c][1] > history[parent][1]:
                parent = c
        child = mutate(history[parent][0], rng)
        history.append((child, fit(child)))
        pop.append(len(history) - 1)
        pop.pop(0)
    return history


def main():
    import h5py
    table_path, column, search_path = sys.argv[1:4]
    with gzip.open(table_path, "rt") as f:
        table = {row["ArchitectureString"]: float(row[column]) for row in csv.DictReader(f)}

    def fit(a):
        return table[to_string(a)]

    def text(v):
        return v.decode() if isinstance(v, bytes) else str(v)

    with h5py.File(search_path, "r") as f:
        budget, pop, smp = (int(f.attrs[k]) for k in ("budget", "population", "sample_size"))
        t = f["trajectory"]
        strategy = [text(s) for s in t["strategy"][()]]
        seed = t["seed"][()]
        arch = [text(a) for a in t["arch"][()]]
        best = t["best_fitness"][()]
    runs = {}
    for i in range(len(strategy)):
        runs.setdefault((strategy[i], int(seed[i])), []).append(i)
    for (name, s), rows in sorted(runs.items()):
        ref = {"random": random_search, "evolution": evolution}[name](fit, budget, s, pop, smp)
        same = len(ref) == len(rows) and all(to_string(ref[k][0]) == arch[r]
                                             for k, r in enumerate(rows))
        best_so_far, diff = float("-inf"), 0.0
        for k, r in enumerate(rows):
            best_so_far = max(best_so_far, ref[k][1])
            diff = max(diff, abs(best_so_far - best[r]))
        print("%s-s%d same_archs %s best_fitness_diff %.3g evaluations %d"
              % (name, s, same, diff, len(rows)))


if __name__ == "__main__":
    main()
