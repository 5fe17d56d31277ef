#!/usr/bin/python3
"""Interoperability with Kafka clients we did not write.

python3-kafka produces WineRecords (encoded by hand from the .proto field
numbers) and a model message; the server scores them; kcat reads the
results back; the predictions are checked against the linear model's
coefficients evaluated here, in Python, straight from the PMML document.
"""
import os
import xml.etree.ElementTree as ET

import harness as h
from kafka import KafkaProducer

data = h.demo_data()
rows = h.read_csv_rows(os.path.join(data, "winequality_demo.csv"))[:200]
pmml_path = os.path.join(data, "demoLinearRegression.pmml")

# The expected predictions, from the document itself.
ns = {"p": "http://www.dmg.org/PMML-4_3"}
table = ET.parse(pmml_path).getroot().find(".//p:RegressionTable", ns)
intercept = float(table.get("intercept"))
coefficients = {np.get("name"): float(np.get("coefficient"))
                for np in table.findall("p:NumericPredictor", ns)}
FIELDS = ["fixed acidity", "volatile acidity", "citric acid", "residual sugar",
          "chlorides", "free sulfur dioxide", "total sulfur dioxide", "density",
          "pH", "sulphates", "alcohol"]
expected = [intercept + sum(coefficients.get(f, 0.0) * v for f, v in zip(FIELDS, row))
            for row in rows]

broker = h.start_broker(partitions=1)
server = h.start_server(broker.address)

producer = KafkaProducer(bootstrap_servers=broker.address, acks="all")
with open(pmml_path, "rb") as f:
    producer.send("models_models", h.encode_model("pyModel", "wine", 1, data=f.read(),
                                                  description="sent by python3-kafka"))
producer.flush()
h.wait_for("python-sent model serving",
           lambda: h.http_get(server.port, "/stats")["name"] == "pyModel")
for row in rows:
    producer.send("models_data", h.encode_wine(row))
producer.flush()
h.check(True, f"python3-kafka produced {len(rows)} WineRecords")

h.wait_for("results delivered",
           lambda: h.metrics(server.port).get('modelserver_results_total{outcome="delivered"}')
           == len(rows))
results = [h.decode_result(m) for m in
           h.kcat_consume(broker.address, "models_results", len(rows))]
h.check(len(results) == len(rows), f"kcat read {len(results)} ServingResults")
results.sort(key=lambda r: r["sourceOffset"])
worst = max(abs(r["result"] - e) / max(1.0, abs(e)) for r, e in zip(results, expected))
h.check(worst < 1e-9, f"every prediction matches the PMML coefficients (worst rel. error {worst:.2e})")
h.check(all(r["modelName"] == "pyModel" and r["dataType"] == "wine" and
            r["sourceTopic"] == "models_data" and r["modelType"] == 1 and
            r["timestampMs"] > 0 and r["durationNs"] >= 0 for r in results),
        "results carry model, data type, source and timing")
h.check([r["sourceOffset"] for r in results] == list(range(len(rows))),
        "one result per input offset, in order")
print("1 passed, 0 failed")
