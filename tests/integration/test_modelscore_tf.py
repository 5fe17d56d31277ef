#!/usr/bin/python3
"""modelscore with TensorFlow models: the frozen graph's predictions and
--raw outputs match expected/tf_wine_quality.csv on all 1,599 rows, the
SavedModel directory's match tf_reference.py's independent evaluation,
--features picks the columns by name from a shuffled CSV, --output reads
another tensor, and the TensorFlow options are refused for PMML. Skipped
without ../shared/data.
"""
import csv
import io
import os
import subprocess

import harness as h
import tf_reference

shared = h.shared_data_or_skip("winequality_red.csv", "optimized_WineQuality.pb",
                               "saved_wine/1/saved_model.pb", "expected/tf_wine_quality.csv",
                               "winequalityLinearRegression.pmml")
build = os.environ["MS_BUILD_DIR"]
names = "a,b,c,d,e,f,g,h,i,j,k,quality"
rows = h.read_csv_rows(f"{shared}/winequality_red.csv")
expected = [[float(v) for v in line.split(";")] for line in
            open(f"{shared}/expected/tf_wine_quality.csv") if not line.startswith("#")]


def modelscore(*args, data=None, status=0):
    p = subprocess.run([f"{build}/modelscore", *args], capture_output=True, text=True,
                       input=data)
    h.check(p.returncode == status, f"modelscore {' '.join(args[:3])}... exits {status} "
                                    f"({p.returncode}: {p.stderr.strip()[:200]})")
    return list(csv.reader(io.StringIO(p.stdout))), p.stderr


def worst(out, want):
    return max(abs(float(a) - b) / abs(b) for r, w in zip(out, want) for a, b in zip(r, w))


out, _ = modelscore("--raw", "--no-header", "--columns", names,
                    f"{shared}/optimized_WineQuality.pb", f"{shared}/winequality_red.csv")
h.check(out[0] == ["prediction"] + [f"output({i})" for i in range(9)], "the --raw header")
h.check(len(out) == 1600 and all(int(r[0]) == int(e[0]) for r, e in zip(out[1:], expected)),
        "frozen graph: every prediction is the expected argmax")
w = worst([r[1:] for r in out[1:]], [e[1:] for e in expected])
h.check(w <= 1e-5, f"frozen graph: outputs within 1e-5 relative (worst {w:.2e})")

saved = tf_reference.saved_wine_outputs(f"{shared}/saved_wine/1/variables", rows)
out, _ = modelscore("--raw", "--no-header", "--columns", names, f"{shared}/saved_wine/1",
                    f"{shared}/winequality_red.csv")
h.check(all(int(r[0]) == max(range(9), key=lambda k: s[k]) for r, s in zip(out[1:], saved)),
        "SavedModel: every prediction is the reference's argmax")
w = worst([r[1:] for r in out[1:]], saved)
h.check(w <= 1e-5, f"SavedModel: outputs within 1e-5 relative (worst {w:.2e})")

# The same rows with the columns reversed and a header: --features names
# them in the model's order.
order = names.split(",")[:11]
text = ",".join(reversed(order)) + "\n" + "".join(
    ",".join(repr(v) for v in reversed(r[:11])) + "\n" for r in rows[:50])
out, _ = modelscore("--features", ",".join(order), f"{shared}/optimized_WineQuality.pb",
                    data=text)
h.check(out[0] == ["prediction"] and [int(r[0]) for r in out[1:]] ==
        [int(e[0]) for e in expected[:50]], "--features feeds the input by column name")

# Another tensor: the first layer's Relu, twelve values.
out, _ = modelscore("--raw", "--output", "dense_1/Relu", "--no-header", "--columns", names,
                    f"{shared}/optimized_WineQuality.pb", f"{shared}/winequality_red.csv")
h.check(len(out[0]) == 13, "--output dense_1/Relu has twelve outputs")
h.check(all(float(v) >= 0 for r in out[1:] for v in r[1:]), "and they are Relu outputs (>= 0)")

_, err = modelscore("--output", "nope", "--no-header", "--columns", names,
                    f"{shared}/optimized_WineQuality.pb", f"{shared}/winequality_red.csv",
                    status=2)
h.check("output 'nope': no node is named 'nope'" in err, "an unknown output is named")
pmml_csv = ("fixed acidity,volatile acidity,citric acid,residual sugar,chlorides,"
            "free sulfur dioxide,total sulfur dioxide,density,pH,sulphates,alcohol\n"
            "7.4,0.7,0,1.9,0.076,11,34,0.9978,3.51,0.56,9.4\n")
_, err = modelscore("--raw", f"{shared}/winequalityLinearRegression.pmml", data=pmml_csv,
                    status=2)
h.check("are for TensorFlow models" in err,
        "--raw is refused for a PMML model")
print("1 passed, 0 failed")
