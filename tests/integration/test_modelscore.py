#!/usr/bin/python3
"""build/modelscore against values computed here, independently of our
evaluator: the linear regression and the random forest of ../shared/data
are read with xml.etree and evaluated in Python (a dot product; a walk of
each tree and the average of its leaf's recordCount shares), and the CLI's
promises are checked: header by name in any order, unused (even textual)
columns ignored, ',' or ';', stdin, --no-header --columns, missing cells,
exit statuses; string columns feeding a document's string fields and
functions, against Python's string operations. Skipped without
../shared/data.
"""
import csv
import io
import os
import subprocess
import xml.etree.ElementTree as ET

import harness as h

shared = h.shared_data_or_skip("winequality_red.csv", "winequalityLinearRegression.pmml",
                               "winequalityRandonForrestClassification.pmml")
TOOL = f"{h.BUILD}/modelscore"
LINEAR = f"{shared}/winequalityLinearRegression.pmml"
FOREST = f"{shared}/winequalityRandonForrestClassification.pmml"
NAMES = ["fixed acidity", "volatile acidity", "citric acid", "residual sugar", "chlorides",
         "free sulfur dioxide", "total sulfur dioxide", "density", "pH", "sulphates", "alcohol",
         "quality"]
rows = [l.strip().split(";") for l in open(f"{shared}/winequality_red.csv") if l.strip()]


def run(*args, stdin=None):
    p = subprocess.run([TOOL, *args], input=stdin, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def parse(out):
    return list(csv.reader(io.StringIO(out)))


def tag(e):
    return e.tag.split("}")[1]


def linear_expected(x):
    doc = ET.parse(LINEAR).getroot()
    table = next(e for e in doc.iter() if tag(e) == "RegressionTable")
    s = float(table.get("intercept"))
    for p in table:
        s += float(p.get("coefficient")) * x[p.get("name")]
    return s


def forest_expected(x):
    doc = ET.parse(FOREST).getroot()
    labels = [v.get("value") for v in doc.iter() if tag(v) == "Value"]
    trees = [e for e in doc.iter() if tag(e) == "TreeModel"]
    acc = dict.fromkeys(labels, 0.0)
    ops = {"lessOrEqual": lambda a, b: a <= b, "greaterThan": lambda a, b: a > b}
    for t in trees:
        node = next(c for c in t if tag(c) == "Node")
        while True:
            nxt = [c for c in node if tag(c) == "Node" and
                   (tag(c[0]) == "True" or ops[c[0].get("operator")](x[c[0].get("field")],
                                                                     float(c[0].get("value"))))]
            if not nxt:
                break
            node = nxt[0]
        dist = {d.get("value"): float(d.get("recordCount")) for d in node if tag(d) == "ScoreDistribution"}
        for k in labels:
            acc[k] += dist.get(k, 0.0) / sum(dist.values()) / len(trees)
    return labels, acc


def record(r):
    return {n: float(v) for n, v in zip(NAMES, r)}


# Every row of the linear regression, header given by --columns.
data = "".join(";".join(r) + "\n" for r in rows)
rc, out, err = run("--no-header", "--columns", ",".join(NAMES), LINEAR, stdin=data)
h.check(rc == 0, f"modelscore scores the 1,599 rows from stdin (rc {rc}, {err.strip()})")
got = parse(out)
h.check(got[0] == ["prediction"] and len(got) == len(rows) + 1, "one prediction per row")
worst = max(abs(float(g[0]) - linear_expected(record(r))) for g, r in zip(got[1:], rows))
h.check(worst < 1e-12, f"linear regression matches the Python dot product (worst {worst:.2e})")

# The forest from a file with a header: columns shuffled, an extra textual
# column, ',' separators; sample rows against the Python walk.
d = h.tmpdir()
sample = [0, 1, 26, 198, 500, 1000, 1598]
order = list(reversed(NAMES)) + ["comment"]
with open(os.path.join(d, "wine.csv"), "w") as f:
    f.write(",".join(order) + "\n")
    for i in sample:
        x = dict(zip(NAMES, rows[i]))
        f.write(",".join([x[n] for n in reversed(NAMES)] + ['"not, a number"']) + "\n")
rc, out, err = run(FOREST, os.path.join(d, "wine.csv"))
h.check(rc == 0, f"forest scores a shuffled ','-separated file with a text column ({err.strip()})")
got = parse(out)
labels, _ = forest_expected(record(rows[0]))
h.check(got[0] == ["prediction"] + [f"probability({k})" for k in labels], "classifier header")
for g, i in zip(got[1:], sample):
    labels, acc = forest_expected(record(rows[i]))
    probs = [float(v) for v in g[1:]]
    h.check(all(abs(p - acc[k]) < 1e-12 for p, k in zip(probs, labels)) and
            g[0] == max(labels, key=lambda k: acc[k]), f"forest row {i + 1}: {g[0]}")

# Missing cells: empty and NA; the row is left empty, the others scored.
text = ";".join(NAMES) + "\n" + ";".join(rows[0]) + "\n" + \
    ";".join(["NA" if n == "alcohol" else v for n, v in zip(NAMES, rows[1])]) + "\n"
rc, out, err = run(LINEAR, "-", stdin=text)
got = parse(out)
h.check(rc == 1 and got[2] == [] and "line 3" in err and "'alcohol' is missing" in err,
        f"a missing input leaves the row empty and exits 1 ({err.strip()})")
h.check(abs(float(got[1][0]) - linear_expected(record(rows[0]))) < 1e-12, "other rows still scored")

# A text cell in a column the model reads is an error for that row.
bad = ";".join(NAMES) + "\n" + ";".join(["x" if n == "alcohol" else v for n, v in zip(NAMES, rows[0])]) + "\n"
rc, out, err = run(LINEAR, stdin=bad)
h.check(rc == 1 and "column 'alcohol': 'x' is not a number" in err, f"text in a used column ({err.strip()})")

# --outputs: the forest's OutputFields (feature="probability", one per
# class, in the document's order) follow the probability columns, and
# equal the expected shares.
forest_outputs = [o.get("value") for o in ET.parse(FOREST).getroot().iter()
                  if tag(o) == "OutputField"]
sample = [0, 7, 1598]
text = ";".join(NAMES) + "\n" + "".join(";".join(rows[i]) + "\n" for i in sample)
rc, out, err = run("--outputs", FOREST, stdin=text)
got = parse(out)
n = len(forest_outputs)
h.check(rc == 0 and n > 0 and got[0][-n:] == [f"probability({k})" for k in forest_outputs],
        f"--outputs adds the Output fields to the header ({got[0] if got else err})")
for g, i in zip(got[1:], sample):
    labels, acc = forest_expected(record(rows[i]))
    outs = [float(v) for v in g[-n:]]
    h.check(all(abs(v - acc.get(k, 0)) < 1e-12 for v, k in zip(outs, forest_outputs)),
            f"forest row {i + 1}: Output fields")

# A hand-written ClusteringModel (every model type scores here): centres
# a = 0 and a = 10; outputs: the cluster id and its 1-based position.
with open(os.path.join(d, "clusters.pmml"), "w") as f:
    f.write("""<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/>
<DataDictionary><DataField name="a" optype="continuous" dataType="double"/></DataDictionary>
<ClusteringModel functionName="clustering" modelClass="centerBased">
<MiningSchema><MiningField name="a"/></MiningSchema>
<Output><OutputField name="id" feature="entityId"/><OutputField name="n" feature="clusterId"/>
<OutputField name="twice" feature="transformedValue"><Apply function="*"><FieldRef field="n"/>
<Constant>2</Constant></Apply></OutputField></Output>
<ComparisonMeasure kind="distance"><squaredEuclidean/></ComparisonMeasure>
<ClusteringField field="a"/>
<Cluster id="low"><Array type="real">0</Array></Cluster>
<Cluster id="high"><Array type="real">10</Array></Cluster>
</ClusteringModel></PMML>""")
rc, out, err = run("--outputs", os.path.join(d, "clusters.pmml"), stdin="a\n1\n9\n")
h.check(rc == 0 and parse(out) == [
    ["prediction", "probability(low)", "probability(high)", "id", "n", "twice"],
    ["low", "1", "0", "low", "1", "2"], ["high", "0", "1", "high", "2", "4"]],
    f"a ClusteringModel with --outputs ({out.strip()!r} {err.strip()})")

# Strings from the CSV: a PMML document with string fields (colour lists
# its Values, name does not), string built-ins and a string Output field.
# The expected values are computed here with Python's own string
# operations: d = 10 * (upper(colour) == "RED") + len(colour + "!") +
# 100 * (name in {bob, eve}) + size; tone maps red to warm, else cold.
with open(os.path.join(d, "strings.pmml"), "w") as f:
    f.write("""<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/>
<DataDictionary>
<DataField name="colour" optype="categorical" dataType="string">
<Value value="red"/><Value value="green"/><Value value="blue"/></DataField>
<DataField name="name" optype="categorical" dataType="string"/>
<DataField name="size" optype="continuous" dataType="double"/>
<DataField name="y" optype="continuous" dataType="double"/></DataDictionary>
<RegressionModel functionName="regression"><MiningSchema>
<MiningField name="y" usageType="target"/><MiningField name="colour"/>
<MiningField name="name"/><MiningField name="size"/></MiningSchema>
<Output><OutputField name="tone" feature="transformedValue">
<MapValues outputColumn="t" dataType="string" defaultValue="cold">
<FieldColumnPair field="colour" column="c"/><InlineTable>
<row><c>red</c><t>warm</t></row></InlineTable></MapValues></OutputField></Output>
<LocalTransformations><DerivedField name="d" optype="continuous" dataType="double">
<Apply function="sum">
<Apply function="if"><Apply function="equal"><Apply function="uppercase"><FieldRef field="colour"/></Apply>
<Constant dataType="string">RED</Constant></Apply><Constant>10</Constant><Constant>0</Constant></Apply>
<Apply function="stringLength"><Apply function="concat"><FieldRef field="colour"/>
<Constant dataType="string">!</Constant></Apply></Apply>
<Apply function="*"><Constant>100</Constant><Apply function="isIn"><FieldRef field="name"/>
<Constant dataType="string">bob</Constant><Constant dataType="string">eve</Constant></Apply></Apply>
<FieldRef field="size"/></Apply></DerivedField></LocalTransformations>
<RegressionTable intercept="0"><NumericPredictor name="d" coefficient="1"/></RegressionTable>
</RegressionModel></PMML>""")
cases = [("red", "bob", 1), ("green", "al", 2), ("blue", "eve", 3), ("red", "1", 0.5)]
text = "size,name,colour,unused\n" + "".join(f"{z},{n},{c},text\n" for c, n, z in cases)
rc, out, err = run("--outputs", os.path.join(d, "strings.pmml"), stdin=text)
want = [(10 * (c.upper() == "RED") + len(c + "!") + 100 * (n in ("bob", "eve")) + z,
         "warm" if c == "red" else "cold") for c, n, z in cases]
got = parse(out)
h.check(rc == 0 and got[0] == ["prediction", "tone"] and len(got) == len(cases) + 1 and
        all(abs(float(g[0]) - w[0]) < 1e-12 and g[1] == w[1] for g, w in zip(got[1:], want)),
        f"string columns feed string fields and functions ({out.strip()!r} {err.strip()})")
# A colour outside its Values is invalid: that row fails, the others score.
rc, out, err = run(os.path.join(d, "strings.pmml"), stdin="colour,name,size\npink,bob,1\nred,x,1\n")
got = parse(out)
h.check(rc == 1 and got[1] == [] and abs(float(got[2][0]) - 15) < 1e-12 and
        "line 2" in err and "'colour' is not one of its valid values" in err,
        f"an invalid string fails its row ({err.strip()})")

# Usage and loading errors.
rc, out, _ = run("--help")
h.check(rc == 0 and "Usage: modelscore" in out and "Exit status" in out, "--help")
rc, _, err = run()
h.check(rc == 2 and "MODEL [DATA]" in err, "no arguments: exit 2")
rc, _, err = run("--no-header", LINEAR)
h.check(rc == 2 and "--columns" in err, "--no-header without --columns")
rc, _, err = run(os.path.join(d, "wine.csv"), stdin="a,b\n1,2\n")
h.check(rc == 2 and "use --type" in err, "unknown model type")
with open(os.path.join(d, "broken.pmml"), "w") as f:
    f.write("<PMML><Header/></PMML>")
rc, _, err = run(os.path.join(d, "broken.pmml"), stdin="a,b\n1,2\n")
h.check(rc == 2 and "does not load" in err, f"a model that does not load ({err.strip()})")
h.log("PASS")
