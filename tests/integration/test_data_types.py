#!/usr/bin/python3
"""Several data types served at once by each engine, and every record format: "wine"
(the built-in schema) is scored by the linear model from WineRecords, and a
new data type "redwine" by the tree, its schema made from the tree's inputs,
from JSON objects and generic Record protobufs. Each record is scored by the
model of its own type, with the value that model gives for its features.
"""
import json
import os
import struct
import subprocess
import xml.etree.ElementTree as ET

import harness as h
from kafka import KafkaProducer

data = h.demo_data()
rows = h.read_csv_rows(os.path.join(data, "winequality_demo.csv"))[:60]
FIELDS = ["fixed acidity", "volatile acidity", "citric acid", "residual sugar",
          "chlorides", "free sulfur dioxide", "total sulfur dioxide", "density",
          "pH", "sulphates", "alcohol"]


def generic(row, data_type):
    out = bytearray()
    b_ = data_type.encode()
    out += bytes([0x0a, len(b_)]) + b_
    for name, v in zip(FIELDS, row):
        n = name.encode()
        feat = bytes([0x0a, len(n)]) + n + bytes([0x11]) + struct.pack("<d", v)
        out += bytes([0x12, len(feat)]) + feat
    return bytes(out)


# The expected values, from the documents: the linear sum, and the tree walked in Python.
ns = {"p": "http://www.dmg.org/PMML-4_3"}
table = ET.parse(os.path.join(data, "demoLinearRegression.pmml")).getroot().find(".//p:RegressionTable", ns)
coef = {e.get("name"): float(e.get("coefficient")) for e in table.findall("p:NumericPredictor", ns)}
tree_root = ET.parse(os.path.join(data, "demoDecisionTreeRegression.pmml")).getroot().find(".//p:TreeModel/p:Node", ns)


def walk(node, x):
    for child in node.findall("p:Node", ns):
        pred = child.find("p:SimplePredicate", ns)
        if pred is None:
            return walk(child, x)
        v, t = x[pred.get("field")], float(pred.get("value"))
        op = pred.get("operator")
        if (op == "lessOrEqual" and v <= t) or (op == "greaterThan" and v > t) or \
           (op == "lessThan" and v < t) or (op == "greaterOrEqual" and v >= t):
            return walk(child, x)
    return float(node.get("score"))


def serve_both_types(engine):
    broker = h.start_broker(partitions=1)
    b = broker.address
    server = h.start_server(b, "--engine", engine, "--threads", "2")
    producer = KafkaProducer(bootstrap_servers=b, acks="all")
    with open(os.path.join(data, "demoLinearRegression.pmml"), "rb") as f:
        producer.send("models_models", h.encode_model("lin", "wine", 1, data=f.read()))
    with open(os.path.join(data, "demoDecisionTreeRegression.pmml"), "rb") as f:
        producer.send("models_models", h.encode_model("tree", "redwine", 1, data=f.read()))
    producer.flush()
    h.wait_for("both models serving", lambda: h.metrics(server.port).get(
        'modelserver_model_updates_total{outcome="loaded"}') == 2)
    h.check(h.http_get(server.port, "/stats?dataType=redwine")["name"] == "tree" and
            h.http_get(server.port, "/stats")["name"] == "lin",
            f"{engine} engine: two data types, two models, at once")


    sent = []  # (data type, format, row)
    for i, row in enumerate(rows):
        kind = i % 3
        if kind == 0:
            producer.send("models_data", h.encode_wine(row, "wine"))
            sent.append(("wine", "WineRecord", row))
        elif kind == 1:
            doc = {"dataType": "redwine", **{n: v for n, v in zip(FIELDS, row)}}
            producer.send("models_data", json.dumps(doc).encode())
            sent.append(("redwine", "JSON", row))
        else:
            producer.send("models_data", generic(row, "redwine"))
            sent.append(("redwine", "Record", row))
    producer.flush()
    h.wait_for("all records scored", lambda: h.scored(server.port) == len(rows))
    results = sorted((h.decode_result(m) for m in h.kcat_consume(b, "models_results", len(rows))),
                     key=lambda r: r["sourceOffset"])

    for (dtype, fmt, row), r in zip(sent, results):
        x = dict(zip(FIELDS, row))
        want = (float(table.get("intercept")) + sum(coef[n] * x[n] for n in FIELDS)
                if dtype == "wine" else walk(tree_root, x))
        if r["dataType"] != dtype or abs(r["result"] - want) > 1e-9 * max(1, abs(want)):
            h.fail(f"{engine}: {fmt} {dtype} record at offset {r['sourceOffset']}: {r} != {want}")
    h.check(True, "20 WineRecords scored by the wine model, 20 JSON and 20 generic records by "
                  f"the redwine model, each with the value its model gives ({engine} engine)")


for engine in ("stage", "store"):
    serve_both_types(engine)
print("1 passed, 0 failed")
