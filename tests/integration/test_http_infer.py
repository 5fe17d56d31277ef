#!/usr/bin/python3
"""Inference over HTTP in the Open Inference Protocol (KServe v2) shape.

The demo's linear regression and classification tree serve two data types;
/v2/models/{name}/infer answers them in both request forms (a tensor per
feature; one [N, F] tensor in schema order), by data type or by model name,
with predictions checked against the PMML documents evaluated here in
Python (the regression's coefficients; the tree walked from the root, its
probabilities the leaf's record counts). Bad requests (malformed JSON,
wrong shapes, unknown fields, non-numbers, unknown models) get 400/404 with
{"error": ...}.
"""
import os
import xml.etree.ElementTree as ET

import harness as h
import pmml_tree

data = h.demo_data()
rows = h.read_csv_rows(os.path.join(data, "winequality_demo.csv"))[:25]
FIELDS = ["fixed acidity", "volatile acidity", "citric acid", "residual sugar",
          "chlorides", "free sulfur dioxide", "total sulfur dioxide", "density",
          "pH", "sulphates", "alcohol"]
ns = {"p": "http://www.dmg.org/PMML-4_3"}

lr = ET.parse(os.path.join(data, "demoLinearRegression.pmml")).getroot()
table = lr.find(".//p:RegressionTable", ns)
coef = {p.get("name"): float(p.get("coefficient")) for p in table.findall("p:NumericPredictor", ns)}
expected_lr = [float(table.get("intercept")) + sum(coef.get(f, 0) * v for f, v in zip(FIELDS, r))
               for r in rows]

tree = ET.parse(os.path.join(data, "demoDecisionTreeClassification.pmml")).getroot()


def walk(x):
    """Label and leaf record shares of the tree for x (pmml_tree.py)."""
    node = pmml_tree.leaf(tree.find(".//p:TreeModel", ns), x, FIELDS)
    dist = {d.get("value"): float(d.get("recordCount"))
            for d in node.findall("p:ScoreDistribution", ns)}
    total = sum(dist.values())
    return node.get("score"), {k: v / total for k, v in dist.items()}


expected_tree = [walk(r) for r in rows]

broker = h.start_broker(partitions=1)
server = h.start_server(broker.address)
port = server.port
for path, dtype in (("demoLinearRegression.pmml", "wine"),
                    ("demoDecisionTreeClassification.pmml", "wine2")):
    p = h.start(h.publisher(broker.address, "--once", "--no-data", "--data-type", dtype,
                            "--models", os.path.join(data, path)), "pub-" + dtype)
    h.check(p.wait(30) == 0, f"{path} published for data type {dtype}")
h.wait_for("both models serving", lambda: sorted(
    m["dataType"] for m in h.http_json(port, "GET", "/models")[1] if m["model"]) == ["wine", "wine2"])

status, doc = h.http_json(port, "GET", "/v2")
h.check(status == 200 and doc["name"] == "modelserver" and "version" in doc, "GET /v2")
status, meta = h.http_json(port, "GET", "/v2/models/wine")
h.check(status == 200 and [i["name"] for i in meta["inputs"]] == FIELDS and
        meta["versions"] == ["demoLinearRegression"] and meta["platform"] == "pmml" and
        [o["name"] for o in meta["outputs"]] == ["predict"],
        "GET /v2/models/wine: the 11 inputs in schema order, one output")
status, meta2 = h.http_json(port, "GET", "/v2/models/demoDecisionTreeClassification")
labels = meta2["parameters"]["labels"]
h.check(status == 200 and meta2["parameters"]["dataType"] == "wine2" and
        [o["name"] for o in meta2["outputs"]] == ["predict", "label", "probabilities"] and
        meta2["outputs"][2]["shape"] == [-1, len(labels)] and labels == ["3", "4", "5", "6", "7", "8"],
        "GET /v2/models/{model name}: the classifier's outputs and labels")
h.check(h.http_json(port, "GET", "/v2/models/wine/ready") == (200, {"name": "wine", "ready": True}),
        "GET /v2/models/wine/ready")
status, doc = h.http_json(port, "GET", "/v2/models/nosuch/ready")
h.check(status == 404 and "nosuch" in doc["error"], "an unknown model is not ready: 404")

# Form 1: one [N, 11] tensor.
n = len(rows)
status, doc = h.http_json(port, "POST", "/v2/models/wine/infer", {
    "id": "req-1", "inputs": [{"name": "input", "shape": [n, 11], "datatype": "FP64",
                               "data": [v for r in rows for v in r[:11]]}]})
out = {o["name"]: o for o in doc["outputs"]}
worst = max(abs(a - b) for a, b in zip(out["predict"]["data"], expected_lr))
h.check(status == 200 and doc["id"] == "req-1" and doc["model_version"] == "demoLinearRegression"
        and out["predict"]["shape"] == [n] and worst < 1e-9,
        f"[N, F] form: {n} regression predictions match the coefficients (worst {worst:.1e})")
# The same, nested rows.
status, doc2 = h.http_json(port, "POST", "/v2/models/wine/infer", {
    "inputs": [{"name": "input", "shape": [n, 11], "datatype": "FP32",
                "data": [r[:11] for r in rows]}]})
h.check(status == 200 and doc2["outputs"][0]["data"] == out["predict"]["data"],
        "nested row-major data gives the same predictions")

# Form 2: one tensor per feature, in any order, names matched leniently.
inputs = [{"name": f.replace(" ", "_").upper() if i % 2 else f, "shape": [n],
           "datatype": "FP64", "data": [r[i] for r in rows]}
          for i, f in reversed(list(enumerate(FIELDS)))]
status, doc = h.http_json(port, "POST", "/v2/models/demoDecisionTreeClassification/infer",
                          {"inputs": inputs})
out = {o["name"]: o for o in doc["outputs"]}
probs = out["probabilities"]["data"]
h.check(status == 200 and out["label"]["data"] == [e[0] for e in expected_tree] and
        out["predict"]["data"] == [float(e[0]) for e in expected_tree],
        f"tensor-per-feature form: {n} tree labels match the walk of the PMML tree")
h.check(out["probabilities"]["shape"] == [n, 6] and all(
    abs(probs[r * 6 + c] - expected_tree[r][1].get(lab, 0.0)) < 1e-12
    for r in range(n) for c, lab in enumerate(labels)),
    "probabilities [N, 6] are the leaves' record shares")

# Bad requests.
bad = [
    ("malformed JSON", b'{"inputs": [', 400, "malformed JSON"),
    ("not an object", [1, 2], 400, "JSON object"),
    ("no inputs", {"id": "x"}, 400, "inputs"),
    ("F is not 11", {"inputs": [{"name": "i", "shape": [1, 3], "datatype": "FP64",
                                 "data": [1, 2, 3]}]}, 400, "F = 11"),
    ("shape and data disagree", {"inputs": [{"name": "i", "shape": [2, 11], "datatype": "FP64",
                                             "data": [1.0] * 21}]}, 400, "22 element(s), data has 21"),
    ("too much data", {"inputs": [{"name": "i", "shape": [1, 11], "datatype": "FP64",
                                   "data": [1.0] * 12}]}, 400, "more elements"),
    ("3-d shape", {"inputs": [{"name": "i", "shape": [1, 1, 11], "datatype": "FP64",
                               "data": [1.0] * 11}]}, 400, "shape must be"),
    ("negative shape", {"inputs": [{"name": "i", "shape": [-1], "datatype": "FP64",
                                    "data": []}]}, 400, "shape dimensions"),
    ("feature lengths differ", {"inputs": [
        {"name": "alcohol", "shape": [2], "datatype": "FP64", "data": [9, 10]},
        {"name": "pH", "shape": [3], "datatype": "FP64", "data": [3, 3, 3]}]}, 400, "shape must be [2]"),
    ("unknown field", {"inputs": [{"name": "colour", "shape": [1], "datatype": "FP64",
                                   "data": [1]}]}, 400, "'colour' is not a field"),
    ("strings as data", {"inputs": [{"name": "i", "shape": [1, 11], "datatype": "FP64",
                                     "data": ["a"] * 11}]}, 400, "must be numbers"),
    ("BYTES datatype", {"inputs": [{"name": "i", "shape": [1, 11], "datatype": "BYTES",
                                    "data": [1] * 11}]}, 400, "datatype"),
    ("a missing value the model cannot score", {"inputs": [
        {"name": "alcohol", "shape": [1], "datatype": "FP64", "data": [9.4]}]}, 400, "row 0"),
]
for what, body, want, text in bad:
    status, doc = h.http_json(port, "POST", "/v2/models/wine/infer", body)
    h.check(status == want and text in doc.get("error", ""),
            f"{what}: {status} {doc.get('error', '')[:70]}")
status, doc = h.http_json(port, "POST", "/v2/models/nosuch/infer",
                          {"inputs": [{"name": "i", "shape": [0, 11], "datatype": "FP64", "data": []}]})
h.check(status == 404 and "nosuch" in doc["error"], "inference on an unknown model: 404")
status, doc = h.http_json(port, "POST", "/v2/models/wine/infer",
                          {"inputs": [{"name": "i", "shape": [0, 11], "datatype": "FP64", "data": []}]})
h.check(status == 200 and doc["outputs"][0]["shape"] == [0], "an empty batch is an empty answer")
m = h.metrics(port)
h.check(m.get('modelserver_http_requests_total{route="v2_infer",status="400"}') == len(bad) and
        m.get('modelserver_http_requests_total{route="v2_infer",status="404"}') == 1,
        "/metrics counts inference requests by status")
h.check(h.scored(port) == 0, "HTTP inference does not count as stream records")
h.check(h.stop(server) == 0, "the server stops cleanly (exit 0)")
print("1 passed, 0 failed")
