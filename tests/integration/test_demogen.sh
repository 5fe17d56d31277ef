#!/usr/bin/env bash
# test_demogen.sh - checks tools/demogen, the generator of the demo data set
# and models: same seed, same bytes; a CSV in the original's format with
# plausible values; well-formed PMML; and, recomputed independently in
# Python from the CSV, the same least-squares coefficients and the training
# accuracy and R^2 that demogen reports for its trees; and for its
# TensorFlow graph, decoded here from the protobuf bytes and evaluated in
# float64, the training accuracy it reports, which modelscore matches.
#
# Needs MS_BUILD_DIR (set by CTest), xmllint and /usr/bin/python3 (numpy is
# used when importable); exits 77 (skipped) without them.
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }

demogen="${MS_BUILD_DIR:?MS_BUILD_DIR must name the build directory}/demogen"
[ -x "$demogen" ] || fail "$demogen not built"
command -v xmllint >/dev/null || { echo "SKIP: xmllint missing (libxml2-utils)"; exit 77; }
python=/usr/bin/python3
[ -x "$python" ] || { echo "SKIP: $python missing"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

files="winequality_demo.csv demoLinearRegression.pmml
       demoDecisionTreeClassification.pmml demoDecisionTreeRegression.pmml
       demoSoftmaxRegression.pb"

# Usage errors exit 2 without writing anything; --help exits 0. $args is
# split into words on purpose.
"$demogen" --help | grep -q 'usage: demogen' || fail "--help"
for args in "" "--rows abc $tmp/x" "--rows 5 $tmp/x" "--rows -1600 $tmp/x" \
            "--seed 1x $tmp/x" "--bogus $tmp/x" "$tmp/x $tmp/y"; do
  rc=0; "$demogen" $args 2>/dev/null || rc=$?
  [ "$rc" -eq 2 ] || fail "'demogen $args' exited $rc, not 2"
done
[ ! -e "$tmp/x" ] || fail "a usage error created OUTDIR"

# Determinism: two runs, same seed, same bytes; another seed, other data.
"$demogen" --seed 7 "$tmp/a" 2>"$tmp/a.log"
"$demogen" --seed 7 "$tmp/b" 2>/dev/null
"$demogen" --seed 8 "$tmp/c" 2>/dev/null
for f in $files; do
  cmp -s "$tmp/a/$f" "$tmp/b/$f" || fail "$f differs between runs with one seed"
done
! cmp -s "$tmp/a/winequality_demo.csv" "$tmp/c/winequality_demo.csv" ||
  fail "seeds 7 and 8 gave the same data"
[ "$(ls "$tmp/a" | wc -l)" -eq 5 ] || fail "expected exactly 5 files in OUTDIR"
[ "$(wc -l <"$tmp/a.log")" -eq 5 ] || fail "expected one stderr line per file"

# The graph as served: modelscore's predictions are right as often as
# demogen says its softmax is.
"${MS_BUILD_DIR}/modelscore" --no-header --columns a,b,c,d,e,f,g,h,i,j,k,q \
  "$tmp/a/demoSoftmaxRegression.pb" "$tmp/a/winequality_demo.csv" >"$tmp/softmax.csv" ||
  fail "modelscore does not serve demoSoftmaxRegression.pb"
served=$(paste -d, <(tail -n +2 "$tmp/softmax.csv") <(cut -d';' -f12 "$tmp/a/winequality_demo.csv") |
         awk -F, '$1 == $2 { n++ } END { print n + 0 }')
grep -q "SoftmaxRegression.pb: .* accuracy [0-9.]* ($served/1599)" "$tmp/a.log" ||
  fail "modelscore gets $served/1599 right, not what demogen reports"

"$demogen" --rows 500 "$tmp/small" 2>/dev/null
[ "$(wc -l <"$tmp/small/winequality_demo.csv")" -eq 500 ] || fail "--rows 500"

# Well-formed PMML with the expected structure.
for f in $files; do
  case $f in *.pmml) xmllint --noout "$tmp/a/$f" || fail "$f is not well-formed XML";; esac
done
count() { grep -c -- "$1" "$tmp/a/$2" || true; }
[ "$(count '<NumericPredictor ' demoLinearRegression.pmml)" -eq 11 ] || fail "11 NumericPredictors"
grep -q '<RegressionModel functionName="regression">' "$tmp/a/demoLinearRegression.pmml" ||
  fail "RegressionModel"
grep -q '<TreeModel functionName="classification" splitCharacteristic="binarySplit">' \
  "$tmp/a/demoDecisionTreeClassification.pmml" || fail "classification TreeModel"
grep -q '<TreeModel functionName="regression" splitCharacteristic="binarySplit">' \
  "$tmp/a/demoDecisionTreeRegression.pmml" || fail "regression TreeModel"
for f in demoLinearRegression.pmml demoDecisionTreeClassification.pmml demoDecisionTreeRegression.pmml; do
  grep -q 'xmlns="http://www.dmg.org/PMML-4_3" version="4.3"' "$tmp/a/$f" || fail "$f: PMML 4.3"
  grep -q '<Application name="modelserver demogen"' "$tmp/a/$f" || fail "$f: Header"
  [ "$(count '<DataField ' $f)" -eq 12 ] || fail "$f: 12 DataFields"
  grep -q '<MiningField name="quality" usageType="target"/>' "$tmp/a/$f" || fail "$f: target"
done
[ "$(count '<Value value=' demoDecisionTreeClassification.pmml)" -eq 6 ] || fail "6 class Values"
[ "$(count '<ScoreDistribution ' demoDecisionTreeClassification.pmml)" -eq \
  "$(( 6 * $(count '<Node ' demoDecisionTreeClassification.pmml) ))" ] ||
  fail "6 ScoreDistributions per Node"
grep -q 'operator="greaterThan"' "$tmp/a/demoDecisionTreeRegression.pmml" || fail "tree splits"

# The CSV's format and values, then the fits, recomputed from the files.
PYTHONPATH="$(dirname "$0")" "$python" - "$tmp/a" "$tmp/a.log" "$(dirname "$0")" <<'EOF'
import collections, re, sys
import xml.etree.ElementTree as ET

import pmml_tree

outdir, log = sys.argv[1], open(sys.argv[2]).read()
NAMES = ["fixed acidity", "volatile acidity", "citric acid", "residual sugar",
         "chlorides", "free sulfur dioxide", "total sulfur dioxide", "density",
         "pH", "sulphates", "alcohol"]
# Generous bounds around the original red wines' ranges.
BOUNDS = [(4, 16), (0.1, 1.6), (0, 1), (0.5, 16), (0.01, 0.7), (1, 75),
          (5, 300), (0.985, 1.01), (2.7, 4.1), (0.3, 2), (8, 15)]

def fail(msg):
    sys.exit("FAIL: " + msg)

rows, quality = [], []
for n, line in enumerate(open(outdir + "/winequality_demo.csv"), 1):
    cols = line.rstrip("\n").split(";")
    if len(cols) != 12:
        fail("line %d has %d columns" % (n, len(cols)))
    if not re.fullmatch(r"[3-8]", cols[11]):
        fail("line %d: quality %r" % (n, cols[11]))
    x = [float(c) for c in cols[:11]]
    for name, v, (lo, hi) in zip(NAMES, x, BOUNDS):
        if not lo <= v <= hi:
            fail("line %d: %s %g outside [%g, %g]" % (n, name, v, lo, hi))
    rows.append(x)
    quality.append(int(cols[11]))
N = len(rows)
if N != 1599:
    fail("%d rows, not 1599" % N)
hist = collections.Counter(quality)
if len(hist) < 5 or hist.most_common(1)[0][0] not in (5, 6) or \
        hist[5] + hist[6] < N / 2:
    fail("unrealistic quality spread %s" % sorted(hist.items()))

ns = {"p": "http://www.dmg.org/PMML-4_3"}
def model(name):
    return ET.parse(outdir + "/" + name).getroot()

def reported(pattern):
    m = re.search(pattern, log)
    if not m:
        fail("no %r in demogen's report" % pattern)
    return m.groups()

def r_squared(pred):
    mean = sum(quality) / N
    sst = sum((y - mean) ** 2 for y in quality)
    return 1 - sum((y - p) ** 2 for y, p in zip(quality, pred)) / sst

# Least squares, solved here independently: numpy's lstsq when available,
# else Gauss-Jordan elimination with partial pivoting on the centred
# normal equations.
try:
    import numpy as np
    X = np.column_stack([np.ones(N), np.array(rows)])
    beta = list(np.linalg.lstsq(X, np.array(quality, float), rcond=None)[0])
except ImportError:
    mx = [sum(r[j] for r in rows) / N for j in range(11)]
    my = sum(quality) / N
    C = [[v - m for v, m in zip(r, mx)] for r in rows]
    A = [[sum(c[j] * c[k] for c in C) for k in range(11)] +
         [sum(c[j] * (y - my) for c, y in zip(C, quality))] for j in range(11)]
    for j in range(11):
        p = max(range(j, 11), key=lambda i: abs(A[i][j]))
        A[j], A[p] = A[p], A[j]
        for i in range(11):
            if i != j:
                f = A[i][j] / A[j][j]
                A[i] = [a - f * b for a, b in zip(A[i], A[j])]
    b = [A[j][11] / A[j][j] for j in range(11)]
    beta = [my - sum(bj * m for bj, m in zip(b, mx))] + b

table = model("demoLinearRegression.pmml").find(".//p:RegressionTable", ns)
pmml = {p.get("name"): float(p.get("coefficient"))
        for p in table.findall("p:NumericPredictor", ns)}
got = [float(table.get("intercept"))] + [pmml[name] for name in NAMES]
for name, want, have in zip(["intercept"] + NAMES, beta, got):
    if abs(want - have) > 1e-6 * max(abs(want), abs(have), 1e-3):
        fail("OLS %s: PMML %.17g, recomputed %.17g" % (name, have, want))
pred = [got[0] + sum(b * v for b, v in zip(got[1:], x)) for x in rows]
r2 = float(reported(r"LinearRegression\.pmml: .* R\^2 ([0-9.]+)")[0])
if abs(r_squared(pred) - r2) > 1e-5:
    fail("OLS R^2 reported %g, recomputed %g" % (r2, r_squared(pred)))

# Tree walker (pmml_tree.py): from the root, descend into the first child
# Node whose predicate holds; the node where that stops gives the score.
def walk(root, x):
    node = pmml_tree.leaf(root, x, NAMES)
    if node is None:
        fail("root predicate is false")
    return node.get("score")

def depth(node):
    kids = node.findall("p:Node", ns)
    return 1 + max(map(depth, kids)) if kids else 0

tree = model("demoDecisionTreeClassification.pmml").find("p:TreeModel", ns)
correct = sum(walk(tree, x) == str(y) for x, y in zip(rows, quality))
have = reported(r"Classification\.pmml: .* accuracy [0-9.]+ \((\d+)/(\d+)\)")
if (correct, N) != tuple(map(int, have)):
    fail("classifier accuracy reported %s/%s, recomputed %d/%d" % (have + (correct, N)))
if depth(tree.find("p:Node", ns)) > 5:
    fail("classification tree deeper than 5")

tree = model("demoDecisionTreeRegression.pmml").find("p:TreeModel", ns)
pred = [float(walk(tree, x)) for x in rows]
r2 = float(reported(r"TreeRegression\.pmml: .* R\^2 ([0-9.]+)")[0])
if abs(r_squared(pred) - r2) > 1e-5:
    fail("regression tree R^2 reported %g, recomputed %g" % (r2, r_squared(pred)))

# The TensorFlow graph: the tests' own protobuf decoder (harness.py),
# then the float64 forward pass of what the nodes say.
import struct
sys.path.insert(0, sys.argv[3])
from harness import decode_fields as fields

nodes = {}
for num, nd in fields(open(outdir + "/demoSoftmaxRegression.pb", "rb").read()):
    f = fields(nd)
    name = dict(f)[1].decode()
    attrs = {dict(fields(e))[1].decode(): dict(fields(e))[2] for n, e in f if n == 5}
    nodes[name] = (dict(f)[2].decode(), [v.decode() for n, v in f if n == 3], attrs)
ops = [nodes[n][0] for n in ("wine", "standardise/sub", "standardise/z",
                             "softmax/MatMul", "softmax/BiasAdd", "quality")]
if ops != ["Placeholder", "Sub", "Mul", "MatMul", "BiasAdd", "Softmax"]:
    fail("graph ops %s" % ops)

def const(name):
    tensor = dict(fields(nodes[name][2]["value"]))[8]
    content = dict(fields(tensor))[4]
    return struct.unpack("<%df" % (len(content) // 4), content)

mean, inv_std = const("standardise/mean"), const("standardise/inv_std")
W, b = const("softmax/kernel"), const("softmax/bias")
if len(W) != 99 or len(b) != 9:
    fail("softmax weights %d, bias %d" % (len(W), len(b)))
right = 0
for x, y in zip(rows, quality):
    z = [(v - m) * s for v, m, s in zip(x, mean, inv_std)]
    logits = [b[c] + sum(z[j] * W[j * 9 + c] for j in range(11)) for c in range(9)]
    right += max(range(9), key=lambda c: logits[c]) == y
have = int(reported(r"SoftmaxRegression\.pb: .* accuracy [0-9.]+ \((\d+)/\d+\)")[0])
# float64 here, float32 in the graph: a row on a knife edge may differ.
if abs(right - have) > 2:
    fail("softmax accuracy reported %d/%d, recomputed %d/%d" % (have, N, right, N))

print("demogen: %d rows, quality %s, OLS agrees, classifier %d/%d, tree R^2 %.4f, "
      "softmax %d/%d" % (N, sorted(hist.items()), correct, N, r2, right, N))
EOF
echo "PASS: test_demogen"
