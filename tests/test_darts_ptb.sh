#!/usr/bin/env bash
# DARTS-PTB through the whole pipeline (CTest label `darts-ptb`): a corpus in the Penn Treebank's
# format written by `wsnas-data text` from Debian's own English documents (/usr/share/common-
# licenses, package base-files), hidden size 32, real mpirun -np 2.
#   - a study with configs/darts-ptb.ini and configs/darts-ptb-standalone.ini: supernet, scored
#     by perplexity (lower is better), ground truth, the ranking;
#   - the paper's 137 published cells (darts_ptb.csv) scored on the supernet and joined with their
#     published perplexities: selected by valid_ppl, reported by test_ppl;
#   - a supernet stopped mid-epoch (carried hidden state) and a ground truth stopped mid-run resume
#     to bit-equal results;
#   - bad input: one line, exit 2, results already written unchanged.
#   tests/test_darts_ptb.sh BIN_DIR
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
table=$root/data/supernet-help/darts_ptb.csv
source "$root/tests/support/pipeline.sh" darts-ptb "${1:-}"
[ -f "$table" ] || { echo "FAIL: missing $table"; exit 1; }

"$bin/wsnas-data" text --out "$tmp/ptb" /usr/share/common-licenses/* > "$tmp/text.log" 2>&1 ||
  { echo "FAIL: wsnas-data text"; cat "$tmp/text.log"; exit 1; }
check "a corpus in the PTB format from Debian's licenses ($(cat "$tmp/text.log"))" \
  test -s "$tmp/ptb/ptb.train.txt" -a -s "$tmp/ptb/ptb.valid.txt" -a -s "$tmp/ptb/ptb.test.txt"
data="--dataset ptb --data-dir $tmp/ptb --channels 32 --limit-train 12000 --limit-eval 2000"

# ---- a study: supernet, evaluation, ground truth, analysis -------------------------------------
cfg=$tmp/cfg
mkdir -p "$cfg"
printf 'data-dir = %s\nchannels = 32\nlimit-train = 12000\nlimit-eval = 2000\n' "$tmp/ptb" > "$cfg/data.ini"
printf 'batch-size = 16\nepochs = 1\n' > "$cfg/groundtruth.ini"
printf 'batch-size = 16\ngpus = 2\n' > "$cfg/supernet.ini"
run_study darts-ptb 3 "supernet-config = $root/configs/studies/data-ptb.ini $root/configs/darts-ptb.ini data.ini supernet.ini
evaluate-config = $root/configs/darts-ptb.ini
groundtruth-config = $root/configs/studies/data-ptb.ini $root/configs/darts-ptb-standalone.ini data.ini groundtruth.ini
archs = 3
score-column = perplexity
lower-is-better = true" perplexity
$py - "$sn" "$ev" "$gt" > "$tmp/files.txt" 2>&1 <<'PY'
import sys, h5py, numpy as np
def cfg(f):
    return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f["/config"].attrs.items()}
sn, ev, gt = (h5py.File(p, "r") for p in sys.argv[1:4])
c = cfg(sn)
print("supernet", c.get("space"), c.get("task"), "lr", c.get("lr"), "tar", c.get("tar"), "clip",
      c.get("grad-clip"), "momentum", c.get("momentum"), "replicas", c.get("replicas"))
print("tensors", sorted(sn["/model"].keys()))
r = ev["/results"]
print("evaluation", r.attrs["score"].decode() if isinstance(r.attrs["score"], bytes) else r.attrs["score"],
      "higher_is_better", r.attrs["higher_is_better"], "rows", r.attrs["rows"],
      "finite", bool(np.all(np.isfinite(r["perplexity"][()]))), "min", float(np.min(r["perplexity"][()])))
c = cfg(gt)
print("groundtruth", c.get("batch-size"), c.get("lr"), c.get("grad-clip"), c.get("rnn-dropout"),
      "rows", gt["/results"].attrs["rows"], "params", sorted(set(gt["/results/params"][()].tolist())))
PY
check "supernet: darts-ptb.ini ($(head -1 "$tmp/files.txt"))" \
  grep -q "supernet darts-ptb language-modelling lr 40 tar 0.001 clip 0.1 momentum 0 replicas 2" "$tmp/files.txt"
check "the supernet's tensors: embedding, W0..W8, decoder bias" \
  grep -q "tensors \['decoder_bias', 'encoder.weight', 'w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8'\]" "$tmp/files.txt"
check "evaluation scored by perplexity, lower is better, finite ($(sed -n 3p "$tmp/files.txt"))" \
  grep -q "evaluation perplexity higher_is_better 0 rows 3 finite True" "$tmp/files.txt"
# Every cell has the same network (paper Fig. 6): 20 H^2 + V (H + 1) parameters, V the vocabulary.
vocab=$("$bin/wsnas-data" info --dataset ptb --data-dir "$tmp/ptb" | awk '/^vocabulary/ {print $2}')
check "ground truth: darts-ptb-standalone.ini, 3 cells of $((20 * 32 * 32 + vocab * 33)) parameters ($(sed -n 4p "$tmp/files.txt"))" \
  grep -q "groundtruth 16 20 0.25 0.75,0.25,0.75,0.2,0 rows 3 params \[$((20 * 32 * 32 + vocab * 33))\]" "$tmp/files.txt"

# ---- the published table: the architectures scored and the ground truth -------------------------
"${mpi[@]}" "$bin/wsnas-evaluate" --checkpoint "$sn" --archs "$table" --config "$root/configs/darts-ptb.ini" \
  --out "$tmp/published.h5" > "$tmp/pub.log" 2>&1
check "the 137 published cells scored on the supernet" [ $? -eq 0 -a -f "$tmp/published.h5" ]
"$bin/wsnas-analyze" ranking --space darts-ptb --scores "$tmp/published.h5" --score-column perplexity \
  --truth "$table" --truth-arch-column genotype --truth-select valid_ppl --truth-report test_ppl \
  --lower-is-better --k 1,10 --out-csv "$tmp/published.csv" > "$tmp/analyze.log" 2>&1
check "wsnas-analyze joins them with the published perplexities" \
  grep -q "joined 137 architectures" "$tmp/analyze.log"
# Top-k by the lowest supernet perplexity, pick by the lowest valid_ppl among them, report its
# test_ppl (paper Appendix A.2, Metrics, "Top-k"), recomputed here from the two files.
$py - "$tmp/published.h5" "$table" "$tmp/published.csv" > "$tmp/topk.txt" 2>&1 <<'PY'
import csv, sys, h5py
r = h5py.File(sys.argv[1], "r")["/results"]
score = {a.decode(): p for a, p in zip(r["arch"][()], r["perplexity"][()])}
rows = list(csv.DictReader(open(sys.argv[2])))
order = sorted(rows, key=lambda w: score[w["genotype"]])
report = {(w["metric"], w["k"]): float(w["value"]) for w in csv.DictReader(open(sys.argv[3]))}
for k in (1, 10):
    pick = min(order[:k], key=lambda w: float(w["valid_ppl"]))
    got = report[("top_k", str(k))]
    print("k", k, "test_ppl", pick["test_ppl"], "reported", got,
          "equal" if abs(got - float(pick["test_ppl"])) < 1e-9 else "differ")
PY
check "top-1 and top-10 by the lowest supernet perplexity report the test_ppl of the lowest valid_ppl ($(tr '\n' ' ' < "$tmp/topk.txt"))" \
  [ "$(grep -c ' equal$' "$tmp/topk.txt")" -eq 2 ]

# ---- the paper's study plan ----------------------------------------------------------------------
"$bin/wsnas-study" plan "$root/configs/studies/darts-ptb.ini" "$tmp/plan" --data-dir "ptb=$tmp/ptb" \
  > "$tmp/plan.log" 2>&1
check "configs/studies/darts-ptb.ini plans" [ $? -eq 0 ]
check "one supernet (darts-ptb.ini, 1000 epochs), the 137 published cells, ranked lowest first" \
  [ "$(grep -c "wsnas-supernet --space darts-ptb .*darts-ptb.ini .*--epochs 1000" "$tmp/plan/plan.tsv")" -eq 1 -a \
    "$(grep -c "sample --space darts-ptb -n 137 .*--pool $table" "$tmp/plan/plan.tsv")" -eq 1 -a \
    "$(grep -c "ranking .*--score-column perplexity .*--truth-select valid_ppl --truth-report test_ppl .*--lower-is-better" "$tmp/plan/plan.tsv")" -eq 1 ]

# ---- stop and resume: bit-equal weights (carried hidden state, variable windows, 2 ranks) -------
# Averaged SGD from the start, a validation after every epoch, the best state kept: the resumed
# run equals the uninterrupted one in its weights, averages, best state and optimizer.
args=(--config "$root/configs/darts-ptb.ini" --space darts-ptb $data --epochs 2 --batch-size 16
  --gpus 2 --save-epochs none --asgd always --eval-every 1 --eval-archs 3)
supernet_resume_is_exact "${args[@]}"
$py - "$tmp/ref/supernet.h5" > "$tmp/asgd.txt" 2>&1 <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
print("averages", "average" in f["/optimizer"], "best", "best" in f, "validations",
      list(f["/log/validation_epoch"][()]), "weights", f["/state"].attrs["weights"])
PY
check "ASGD's averages, the best state and 2 validations in the checkpoint ($(cat "$tmp/asgd.txt"))" \
  grep -q "averages True best True validations \[1, 2\] weights best" "$tmp/asgd.txt"

# The released code's switch: plateau with patience 0 switches at the first validation that does
# not improve; with lr 1e-12 the weights do not move, so the second validation equals the first.
# The checkpoint then holds the averaged weights wsnas-evaluate scores.
"$bin/wsnas-supernet" --config "$root/configs/darts-ptb.ini" --space darts-ptb $data --epochs 2 \
  --batch-size 16 --eval-every 1 --eval-archs 2 --asgd-patience 0 --keep-best false --lr 1e-12 \
  --out "$tmp/plateau" > "$tmp/plateau.log" 2>&1
check "plateau: averaged SGD after the first validation without a new best ($(grep -c switching "$tmp/plateau.log") switch)" \
  [ "$(grep -c "validation after epoch 2: .*switching to averaged SGD (--asgd plateau)" "$tmp/plateau.log")" -eq 1 -a \
    "$(grep -c "switching" "$tmp/plateau.log")" -eq 1 ]
check "the checkpoint holds the averaged weights" $py -c "
import h5py, sys; sys.exit(0 if 'averaged' in h5py.File('$tmp/plateau/supernet.h5', 'r') else 1)"

# A diverging run (learning rate 1e6, no clipping) goes back to its initial state on a NaN.
"$bin/wsnas-supernet" --config "$root/configs/darts-ptb.ini" --space darts-ptb $data --epochs 1 \
  --batch-size 16 --lr 1e6 --grad-clip 0 --eval-archs 2 --out "$tmp/nan" > "$tmp/nan.log" 2>&1
check "a non-finite loss rolls back (exit $?, $(grep -c 'non-finite loss' "$tmp/nan.log") rollback)" \
  grep -q "non-finite loss at step .*back to the initial state" "$tmp/nan.log"
$py -c "
import h5py, numpy as np; f = h5py.File('$tmp/nan/supernet.h5', 'r')
print('rollbacks', f['/state'].attrs['rollbacks'], 'finite', all(np.all(np.isfinite(f['/model'][k][()])) for k in f['/model']))" \
  > "$tmp/nan.txt" 2>&1
check "the rolled-back weights are finite ($(cat "$tmp/nan.txt"))" grep -q "rollbacks 1 finite True" "$tmp/nan.txt"
# The stopped checkpoint holds both ranks' hidden states (8 columns each) mid-epoch.
$py -c "
import h5py; f = h5py.File('$tmp/stopped.h5', 'r')
print('epoch_step', f['/state'].attrs['epoch_step'], 'carried', f['/state/carried/0'].shape)" \
  > "$tmp/carried.txt" 2>&1
check "the stop saved the carried hidden state mid-epoch ($(cat "$tmp/carried.txt"))" \
  grep -Eq "epoch_step [1-9][0-9]* carried \(16, 32\)" "$tmp/carried.txt"

# ---- the stand-alone recipe stopped and resumed: the same results ------------------------------
head -4 "$table" > "$tmp/published3.csv"
gt_args=(--config "$root/configs/darts-ptb-standalone.ini" --space darts-ptb $data --batch-size 16
  --epochs 3 --archs "$tmp/published3.csv")
groundtruth_resume_is_exact "${gt_args[@]}"
check "the resumed ground truth trained the 3 published cells" grep -q "rows 3" "$tmp/gtcmp.txt"

# ---- bad input ----------------------------------------------------------------------------------
keep_results "$ev"
printf 'arch\n"%s"\n' "Genotype(recurrent=[('tanh', 0), ('relu', 2), ('relu', 1), ('identity', 1), ('tanh', 2), ('sigmoid', 5), ('tanh', 3), ('relu', 5)], concat=range(1, 9))" > "$tmp/ahead.csv"
bad "ahead.csv' line 2" "${mpi[@]}" "$bin/wsnas-evaluate" --checkpoint "$sn" --archs "$tmp/ahead.csv" \
  --out "$tmp/keep.h5"
mkdir -p "$tmp/oov" && cp "$tmp/ptb/ptb.train.txt" "$tmp/ptb/ptb.test.txt" "$tmp/oov/" &&
  printf ' the zyzzyva \n' > "$tmp/oov/ptb.valid.txt"
bad "ptb.valid.txt' line 1: word 'zyzzyva' is not in the training file's vocabulary" \
  "${mpi[@]}" "$bin/wsnas-supernet" --space darts-ptb --dataset ptb --data-dir "$tmp/oov" \
  --channels 32 --batch-size 16 --gpus 2 --out "$tmp/never"
bad "--rnn-dropout: rate 1.5 is outside [0, 1)" "$bin/wsnas-supernet" --space darts-ptb $data \
  --rnn-dropout 1.5,0,0,0,0 --out "$tmp/never"
bad "expected int64 tokens [L, n]: --dataset ptb" "$bin/wsnas-supernet" --space darts-ptb \
  --dataset fashion-mnist --limit-train 64 --batch-size 16 --out "$tmp/never"
bad "published.h5': its score perplexity is lower is better (expected --lower-is-better)" \
  "$bin/wsnas-analyze" ranking --space darts-ptb --scores "$tmp/published.h5" --score-column perplexity \
  --truth "$table" --truth-arch-column genotype --truth-select valid_ppl --truth-report test_ppl
check "nothing written for a refused run" test ! -e "$tmp/never/supernet.h5"
finish
