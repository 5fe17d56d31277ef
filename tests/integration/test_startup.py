#!/usr/bin/python3
"""A server that starts after models and records were published applies
every model already on the models topic before it scores its first record:
no record is counted as unserved, all are scored by the latest model.
"""
import os
import subprocess

import harness as h

data = h.demo_data()
broker = h.start_broker()
models = ",".join(os.path.join(data, m) for m in
                  ("demoDecisionTreeRegression.pmml", "demoLinearRegression.pmml"))
subprocess.run(h.publisher(broker.address, "--no-data", "--once", "--models", models,
                           "--model-interval", "0"), check=True, capture_output=True)
subprocess.run(h.publisher(broker.address, "--no-models", "--data-dir", data,
                           "--data-file", "winequality_demo.csv", "--once",
                           "--data-interval", "0"), check=True, capture_output=True)
server = h.start_server(broker.address)
h.wait_for("all records scored",
           lambda: h.metrics(server.port).get('modelserver_records_total{outcome="scored"}') == 1599)
m = h.metrics(server.port)
h.check(m.get('modelserver_records_total{outcome="unserved"}') == 0,
        "no record was scored before the models on the topic were applied")
stats = h.http_get(server.port, "/stats")
h.check(stats["name"] == "demoLinearRegression" and stats["usage"] == 1599,
        f"the latest model scored every record ({stats['name']}, {stats['usage']})")
h.check("applied 2 model update(s) already on 'models_models' before scoring"
        in h.read_log(server), "the catch-up was logged")
print("1 passed, 0 failed")
