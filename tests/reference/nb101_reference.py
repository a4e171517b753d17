#!/usr/bin/python3
"""Independent reference for the NAS-Bench-101 sub-space (paper Appendix A.1), in Python.

Follows the released code's definitions (github.com/matluster/anonymous-2102 @3825f00), not
wsnas's C++: the enumeration of tools/generate_nb101_splits.py (itertools.product over
itertools.combinations of parents, then itertools.product of the 3 operators), NAS-Bench-101's
graph hash (nasbench/lib/graph_util.py hash_module, with hashlib.md5) and NAS-Bench-101's
stand-alone network (nasbench/lib/model_builder.py: compute_vertex_channels, projections, stem
128, 3 stacks x 3 modules, max-pool between stacks, dense head) for its trainable parameters.

Usage: nb101_reference.py summary            counts and a few rows, one per line
       nb101_reference.py rows I [I ...]     index,matrix,ops,hash,params for official indices
       nb101_reference.py params MATRIX OPS  trainable parameters of any NAS-Bench-101 cell
"""
import hashlib
import itertools
import sys

NUM_PARENTS = [0, 1, 1, 1, 2, 2, 2]
OPS = ["conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"]
LABEL = {"input": -1, "output": -2, "conv3x3-bn-relu": 0, "conv1x1-bn-relu": 1, "maxpool3x3": 2}


def adjacencies():
    per_vertex = [list(itertools.combinations(range(t), NUM_PARENTS[t])) for t in range(7)]
    for parents in itertools.product(*per_vertex):
        m = [[0] * 7 for _ in range(7)]
        for t, ps in enumerate(parents):
            for p in ps:
                m[p][t] = 1
        if m[0][6]:
            continue  # ban_i2o
        if any(sum(m[v]) == 0 for v in range(1, 6)):
            continue  # a loose end: NAS-Bench-101's pruning would remove it
        yield m


def cells():
    for m in adjacencies():
        for ops in itertools.product(OPS, repeat=5):
            yield m, ["input"] + list(ops) + ["output"]


def md5(s):
    return hashlib.md5(s.encode("utf-8")).hexdigest()


def graph_hash(m, ops):
    n = len(m)
    labels = [LABEL[o] for o in ops]
    ins = [sum(m[u][v] for u in range(n)) for v in range(n)]
    outs = [sum(m[v]) for v in range(n)]
    h = [md5(str((outs[v], ins[v], labels[v]))) for v in range(n)]
    for _ in range(n):
        new = []
        for v in range(n):
            a = "".join(sorted(h[u] for u in range(n) if m[u][v]))
            b = "".join(sorted(h[w] for w in range(n) if m[v][w]))
            new.append(md5(a + "|" + b + "|" + h[v]))
        h = new
    return md5(str(sorted(h)))


def vertex_channels(cin, cout, m):
    n = len(m)
    vc = [0] * n
    vc[0], vc[n - 1] = cin, cout
    if n == 2:
        return vc
    in_degree = [sum(m[u][v] for u in range(1, n)) for v in range(n)]
    interior, correction = cout // in_degree[n - 1], cout % in_degree[n - 1]
    for v in range(1, n - 1):
        if m[v][n - 1]:
            vc[v] = interior + (1 if correction else 0)
            correction -= 1 if correction else 0
    for v in range(n - 3, 0, -1):
        if not m[v][n - 1]:
            for d in range(v + 1, n - 1):
                if m[v][d]:
                    vc[v] = max(vc[v], vc[d])
    return vc


def params(m, ops, stem=128, stacks=3, modules=3, classes=10):
    def conv_bn(cin, cout, k):
        return cin * cout * k * k + 2 * cout

    n = len(m)
    total = conv_bn(3, stem, 3)
    ch = stem
    for s in range(stacks):
        out = ch * 2 if s > 0 else ch
        for _ in range(modules):
            vc = vertex_channels(ch, out, m)
            for t in range(1, n - 1):
                if m[0][t]:
                    total += conv_bn(ch, vc[t], 1)  # projection of the module input
                if ops[t] == "conv3x3-bn-relu":
                    total += conv_bn(vc[t], vc[t], 3)
                elif ops[t] == "conv1x1-bn-relu":
                    total += conv_bn(vc[t], vc[t], 1)
            if m[0][n - 1]:
                total += conv_bn(ch, out, 1)
            ch = out
    return total + ch * classes + classes


def row(i, m, ops):
    mat = ".".join("".join(str(x) for x in r) for r in m)
    return f"{i},{mat},{'+'.join(ops[1:-1])},{graph_hash(m, ops)},{params(m, ops)}"


def main():
    if sys.argv[1] == "summary":
        adj = list(adjacencies())
        all_cells = list(cells())
        print("adjacencies", len(adj))
        print("cells", len(all_cells))
        print("hashes", len({graph_hash(m, o) for m, o in all_cells}))
    elif sys.argv[1] == "rows":
        wanted = {int(x) for x in sys.argv[2:]}
        for i, (m, ops) in enumerate(cells()):
            if i in wanted:
                print(row(i, m, ops))
    elif sys.argv[1] == "params":
        rows = sys.argv[2].split(".")
        m = [[int(c) for c in r] for r in rows]
        print(params(m, sys.argv[3].split(",")))


if __name__ == "__main__":
    main()
