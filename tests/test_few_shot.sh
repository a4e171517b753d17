#!/usr/bin/env bash
# Few-shot supernets (wsnas-supernet --split-on, docs/few-shot.md) through the real apps on real
# Fashion-MNIST, under mpirun -np 2 (2 replicas), NAS-Bench-201 at 4 channels split on its first
# edge (decision 0: 5 sub-supernets):
#   - the one-shot phase is exactly a plain one-shot run (the same weights, bit for bit);
#   - fine-tuning touches only the owning sub-supernet's weights: in sub-supernet K, the
#     parameters and BN statistics of the split edge's other operators are the one-shot's, bit for
#     bit, and those of its own operator (if it has any) changed;
#   - wsnas-evaluate routes: each architecture is scored once, by the sub-supernet whose operator
#     on the first edge it takes (read from the architecture string here, independently), and its
#     score equals the one that sub-supernet's checkpoint alone gives it;
#   - a rerun retrains only the sub-supernets that are missing, to the same weights;
#   - wsnas-search with the few-shot supernet as its fitness gets the routed scores;
#   - wsnas-analyze ranks the routed scores against the NAS-Bench-201 table;
#   - a small study (one-shot against a few-shot split at matched total epochs) runs end to end
#     and draws its figures;
#   - bad input is one error line, exit 2, nothing written damaged.
#   tests/test_few_shot.sh BIN_DIR
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/tests/support/pipeline.sh" few-shot "${1:-}"
base=(--space nb201 --channels 4 --cells 1 --dataset fashion-mnist --limit-train 256
  --batch-size 32 --seed 3 --save-epochs none)
two=(--replicas 2)
"${mpi[@]}" "$bin/wsnas-supernet" "${base[@]}" "${two[@]}" --epochs 2 --out "$tmp/plain" > "$tmp/plain.log" 2>&1
check "a one-shot supernet on 2 ranks" [ $? -eq 0 ]
"${mpi[@]}" "$bin/wsnas-supernet" "${base[@]}" "${two[@]}" --epochs 2 --split-on 0 --fine-tune-epochs 1 \
  --out "$tmp/few" > "$tmp/few.log" 2>&1
check "a few-shot supernet on 2 ranks" [ $? -eq 0 ]
grep -v '^\[' "$tmp/few.log" | grep "few-shot"
check "5 sub-supernets, one per operator of the first edge" \
  grep -q "few-shot: wrote .*few/supernet.h5 (5 sub-supernets)" "$tmp/few.log"

"$bin/wsnas-space" sample --space nb201 -n 20 --seed 4 > "$tmp/archs.txt"
"${mpi[@]}" "$bin/wsnas-evaluate" --checkpoint "$tmp/few/supernet.h5" --archs "$tmp/archs.txt" \
  --out "$tmp/routed.h5" --bn-calib-batch 16 --bn-calib-steps 1 > "$tmp/routed.log" 2>&1
check "wsnas-evaluate on the few-shot supernet, 2 ranks" [ $? -eq 0 ]
# Each sub-supernet alone on the architectures it owns (the split by the string, in Python).
$py - "$tmp" > "$tmp/owned.txt" <<'PY'
import sys
t = sys.argv[1]
ops = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]  # NB-201's order
archs = [l.strip() for l in open(f"{t}/archs.txt") if l.strip()]
for k in range(5):
    mine = [a for a in archs if a.split("|")[1].split("~")[0] == ops[k]]
    open(f"{t}/owned-{k}.txt", "w").write("".join(a + "\n" for a in mine))
    print(k, len(mine))
PY
for k in 0 1 2 3 4; do
  [ -s "$tmp/owned-$k.txt" ] || continue
  "$bin/wsnas-evaluate" --checkpoint "$tmp/few/sub-$k/supernet.h5" --archs "$tmp/owned-$k.txt" \
    --out "$tmp/alone-$k.h5" --bn-calib-batch 16 --bn-calib-steps 1 > /dev/null 2>&1
  check "sub-supernet $k alone on the architectures it owns" [ $? -eq 0 ]
done
# A rerun retrains only what is missing: two sub-supernets removed come back the same.
cp -r "$tmp/few" "$tmp/first"
rm -rf "$tmp/few/sub-1" "$tmp/few/sub-3"
"${mpi[@]}" "$bin/wsnas-supernet" "${base[@]}" "${two[@]}" --epochs 2 --split-on 0 --fine-tune-epochs 1 \
  --out "$tmp/few" > "$tmp/rerun.log" 2>&1
check "the rerun" [ $? -eq 0 ]
check "the list is written again after the rerun" [ -s "$tmp/few/supernet.h5" ]
check "the rerun skips the one-shot and 3 sub-supernets" \
  [ "$(grep -c "is complete .* nothing to do" "$tmp/rerun.log")" -eq 4 ]

$py - "$tmp" > "$tmp/cmp.txt" 2>&1 <<'PY'
import sys, re, os, h5py, numpy as np
t = sys.argv[1]
ops = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
model = lambda p: {k: v[()] for k, v in h5py.File(p, "r")["/model"].items()}
plain, one = model(f"{t}/plain/supernet.h5"), model(f"{t}/few/one-shot/supernet.h5")
print("one-shot phase equals a plain run", all(np.array_equal(plain[k], one[k]) for k in plain)
      and plain.keys() == one.keys())
edge = re.compile(r"\.edge_1_0_(\w+?)\.")
ok_other, ok_own = True, True
for k in range(5):
    sub = model(f"{t}/few/sub-{k}/supernet.h5")
    own_changed = []
    for name, v in one.items():
        m = edge.search(name)
        if not m:
            continue
        same = np.array_equal(v, sub[name])
        if m.group(1) == ops[k]:
            own_changed.append(not same)
        elif not same:
            ok_other = False
            print("sub", k, "changed", name)
    if own_changed and not all(own_changed):
        ok_own = False
        print("sub", k, "left some of its own operator's weights", own_changed)
    print("sub", k, "own tensors", len(own_changed))
print("other operators untouched", ok_other)
print("own operator trained", ok_own)
# Routing: one row per architecture, by its owner, equal to the owner alone.
r = h5py.File(f"{t}/routed.h5", "r")["/results"]
archs = [a.decode() for a in r["arch"][()]]
owner = [int(os.path.basename(os.path.dirname(c.decode()))[4:]) for c in r["checkpoint"][()]]
want = [l.strip() for l in open(f"{t}/archs.txt") if l.strip()]
print("each architecture once", sorted(archs) == sorted(want))
print("routed by the first edge", all(ops[o] == a.split("|")[1].split("~")[0]
                                      for o, a in zip(owner, archs)))
acc = dict(zip(archs, r["accuracy"][()]))
equal = True
for k in range(5):
    p = f"{t}/alone-{k}.h5"
    if not os.path.exists(p):
        continue
    a = h5py.File(p, "r")["/results"]
    for arch, v in zip(a["arch"][()], a["accuracy"][()]):
        equal = equal and acc[arch.decode()] == v
print("routed scores equal each sub-supernet alone", equal)
print("distinct owners", len(set(owner)))
# The rerun's sub-supernets are the first run's.
print("rerun same weights", all(
    all(np.array_equal(v, model(f"{t}/first/sub-{k}/supernet.h5")[n])
        for n, v in model(f"{t}/few/sub-{k}/supernet.h5").items()) for k in (1, 3)))
m = h5py.File(f"{t}/few/supernet.h5", "r")
print("list kind", m.attrs["kind"], [s.decode() for s in m["/subs/split"][()]])
PY
cat "$tmp/owned.txt" "$tmp/cmp.txt"
check "the one-shot phase is a plain one-shot run" grep -q "one-shot phase equals a plain run True" "$tmp/cmp.txt"
check "fine-tuning leaves the other operators of the split edge alone" grep -q "other operators untouched True" "$tmp/cmp.txt"
check "fine-tuning trains the owned operator" grep -q "own operator trained True" "$tmp/cmp.txt"
check "the convolutions' sub-supernets own 18 tensors each" \
  [ "$(grep -cE "sub [23] own tensors 18" "$tmp/cmp.txt")" -eq 2 ]
check "every architecture scored once" grep -q "each architecture once True" "$tmp/cmp.txt"
check "by the sub-supernet owning its first edge's operator" grep -q "routed by the first edge True" "$tmp/cmp.txt"
check "routed scores equal the owners' own" grep -q "routed scores equal each sub-supernet alone True" "$tmp/cmp.txt"
check "the 20 architectures span 3 or more sub-supernets" grep -qE "distinct owners [345]" "$tmp/cmp.txt"
check "the rerun retrains the missing sub-supernets to the same weights" grep -q "rerun same weights True" "$tmp/cmp.txt"
check "the list: kind few-shot, splits 0=0..0=4" \
  grep -qF "list kind few-shot ['0=0', '0=1', '0=2', '0=3', '0=4']" "$tmp/cmp.txt"

"$bin/wsnas-analyze" ranking --space nb201 --scores "$tmp/routed.h5" --score-column accuracy \
  --truth "$root/data/nb201/nats_bench.csv.gz" --truth-column CIFAR10TestAccuracy200Epochs \
  --truth-arch-column ArchitectureString > "$tmp/ranking.txt" 2>&1
check "wsnas-analyze ranks the routed scores" grep -q "joined 20 architectures" "$tmp/ranking.txt"

# A search with the few-shot supernet as its fitness (wsnas-search --fitness-checkpoint): each
# architecture's fitness is the routed score wsnas-evaluate gives it.
"$bin/wsnas-search" --fitness-checkpoint "$tmp/few/supernet.h5" --bn-calib-batch 16 \
  --bn-calib-steps 1 --budget 6 --population 3 --sample-size 2 --out "$tmp/search.h5" \
  > "$tmp/search.log" 2>&1
check "a search on the few-shot supernet" [ $? -eq 0 ]
$py -c "import h5py; print('\n'.join(sorted({a.decode() for a in h5py.File('$tmp/search.h5')['/trajectory/arch'][()]})))" \
  > "$tmp/searched.txt"
"$bin/wsnas-evaluate" --checkpoint "$tmp/few/supernet.h5" --archs "$tmp/searched.txt" \
  --bn-calib-batch 16 --bn-calib-steps 1 --out "$tmp/searched.h5" > /dev/null 2>&1
$py - "$tmp/search.h5" "$tmp/searched.h5" > "$tmp/search-cmp.txt" << 'PY'
import sys, h5py
t = h5py.File(sys.argv[1], "r")["/trajectory"]
e = h5py.File(sys.argv[2], "r")["/results"]
score = dict(zip((a.decode() for a in e["arch"][()]), e["accuracy"][()]))
print("equal", all(score[a.decode()] == f for a, f in zip(t["arch"][()], t["fitness"][()])))
PY
check "its fitness is the routed score of each architecture" grep -q "equal True" "$tmp/search-cmp.txt"

# A small study on Fashion-MNIST: one-shot against few-shot at matched total epochs (2 + 5 x 1 =
# 7), end to end to its figures (wsnas-study under mpirun -np 2; the split decision as a variable
# is configs/studies/nb201-few-shot.ini's, run by test_studies.sh).
mkdir -p "$tmp/cfg"
printf 'dataset = fashion-mnist\nprotocol = holdout:10000\nlimit-train = 256\nlimit-eval = 128\nchannels = 4\ncells = 1\n' > "$tmp/cfg/data.ini"
printf 'batch-size = 32\nbn-calib-batch = 32\nbn-calib-steps = 2\ngpus = 2\n' > "$tmp/cfg/supernet.ini"
cat > "$tmp/cfg/few-shot.ini" << STUDY
[study]
space = nb201
supernet-config = data.ini supernet.ini
evaluate-config = supernet.ini
archs = 16
budgets = 7
seeds = 0
variants = one-shot, few-shot-e0
truth = $root/data/nb201/nats_bench.csv.gz
truth-arch-column = ArchitectureString
truth-select = CIFAR10TestAccuracy200Epochs
analyses = tricks, mutual
k = 1, 5
bootstrap = 50
[variant few-shot-e0]
epochs = 2
split-on = 0
fine-tune-epochs = 1
STUDY
"$bin/wsnas-study" run "$tmp/cfg/few-shot.ini" "$tmp/study" > "$tmp/study.log" 2>&1
check "the few-shot study runs end to end" [ $? -eq 0 ]
check "its tricks figure is drawn" [ -s "$tmp/study/figures/tricks.png" ]
check "its mutual figure is drawn" [ -s "$tmp/study/figures/mutual.png" ]
cat "$tmp/study/analysis/tricks.txt"
check "tricks compares the few-shot supernet with the one-shot one" \
  grep -qE "few-shot-e0.*accuracy" "$tmp/study/analysis/tricks.txt"
check "the few-shot supernet is 5 sub-supernets" \
  [ "$(ls -d "$tmp"/study/supernets/few-shot-e*/sub-* | wc -l)" -eq 5 ]

keep_results "$tmp/few/supernet.h5"
bad "--split-on '9': '9' is not a decision of nb201 (expected indices 0..5" \
  "$bin/wsnas-supernet" "${base[@]}" --split-on 9 --fine-tune-epochs 1 --out "$tmp/few"
bad "--split-on 0 needs --fine-tune-epochs >= 1" \
  "$bin/wsnas-supernet" "${base[@]}" --split-on 0 --out "$tmp/few"
bad "--fine-tune-epochs is the sub-supernets' training: it needs --split-on" \
  "$bin/wsnas-supernet" "${base[@]}" --fine-tune-epochs 2 --out "$tmp/few"
keep_results "$tmp/plain/supernet.h5"
bad "holds a supernet of kind 'supernet'" "$bin/wsnas-supernet" "${base[@]}" \
  --epochs 2 --split-on 0 --fine-tune-epochs 1 --out "$tmp/plain"
finish
