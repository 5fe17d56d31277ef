#!/usr/bin/python3
"""The deployment files no engine runs here, checked against what the
programs and the Dockerfile actually provide:

- deploy/dcos/*.json.template (Marathon apps): valid JSON with Marathon's
  required fields; every env value a string (Marathon refuses others); the
  image is one the Dockerfile builds; a server's ENGINE, MODEL_SERVER_PORT
  and container port agree with the engine's default port, its health
  check asks /health/live and its readiness check /health/ready on that
  port; the publisher has the brokers and the image's data directory.
- deploy/compose/docker-compose.yml: Kafka in KRaft mode (one node that is
  broker and controller, no ZooKeeper), InfluxDB 1.8, Grafana with the
  provisioning and dashboard directories mounted, one server per engine
  on its port, the publisher; every build target is a Dockerfile stage;
  every environment variable the servers and publisher get is one the
  programs read (from their --help) or one of the seed's InfluxDB/Grafana
  variables; every depends_on names a service.
"""
import glob
import json
import os
import re

import yaml

import harness as h

SRC = os.environ.get("MS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
PORTS = {"stage": 5500, "store": 8888}


def dockerfile_stages():
    with open(os.path.join(SRC, "deploy/docker/Dockerfile")) as f:
        return set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", f.read(), re.M | re.I))


def check_dcos(server_env, publisher_env):
    files = sorted(glob.glob(os.path.join(SRC, "deploy/dcos/*.json.template")))
    names = [os.path.basename(f) for f in files]
    h.check(names == ["publisher.json.template", "server-stage.json.template", "server-store.json.template"],
            f"DC/OS templates {names}")
    for path in files:
        name = os.path.basename(path)
        with open(path) as f:
            app = json.load(f)
        h.check(app["id"].startswith("/") and app["cpus"] > 0 and app["mem"] > 0 and app["instances"] >= 1,
                f"{name}: id {app['id']}, cpus, mem, instances")
        docker = app["container"]["docker"]
        h.check(app["container"]["type"] == "DOCKER"
                and docker["image"] in ("modelserver/server:0.1.0", "modelserver/publisher:0.1.0"),
                f"{name}: the image {docker['image']}")
        env = app["env"]
        h.check(all(isinstance(v, str) for v in env.values()), f"{name}: every env value is a string")
        h.check(env.get("KAFKA_BROKERS_LIST"), f"{name}: KAFKA_BROKERS_LIST set")
        if name.startswith("server-"):
            engine = name.split("-")[1].split(".")[0]
            port = PORTS[engine]
            mapping = app["container"]["portMappings"][0]
            h.check(env["ENGINE"] == engine and env["MODEL_SERVER_PORT"] == str(port)
                    and mapping["containerPort"] == port and mapping["name"] == "http",
                    f"{name}: engine {engine} on port {port}")
            hc, rc = app["healthChecks"][0], app["readinessChecks"][0]
            h.check(hc["path"] == "/health/live" and hc["portIndex"] == 0 and hc["protocol"] == "MESOS_HTTP",
                    f"{name}: health check on /health/live")
            h.check(rc["path"] == "/health/ready" and rc["portName"] == "http"
                    and rc["httpStatusCodesForReady"] == [200], f"{name}: readiness check on /health/ready")
            unknown = set(env) - server_env - h.SEED_METRICS_VARIABLES
        else:
            h.check(env["DATA_DIRECTORY"] == "/usr/share/modelserver/data",
                    f"{name}: the data built into the publisher image")
            unknown = set(env) - publisher_env
        h.check(not unknown, f"{name}: every variable is one the program reads ({sorted(unknown)})")


def check_compose(server_env, publisher_env, stages):
    path = os.path.join(SRC, "deploy/compose/docker-compose.yml")
    with open(path) as f:
        compose = yaml.safe_load(f)
    services = compose["services"]
    h.check({"kafka", "influxdb", "grafana", "server-stage", "server-store", "publisher"} <= set(services),
            f"compose services {sorted(services)}")
    kafka = services["kafka"]["environment"]
    h.check(set(kafka["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
            and kafka["KAFKA_CONTROLLER_QUORUM_VOTERS"].startswith("1@")
            and not any("ZOOKEEPER" in k for k in kafka) and "zookeeper" not in services,
            "Kafka runs in KRaft mode: one node, broker and controller, no ZooKeeper")
    h.check(services["influxdb"]["image"] == "influxdb:1.8", "InfluxDB 1.8")
    mounts = dict(m.split(":")[:2] for m in services["grafana"]["volumes"])
    h.check(mounts.get("../grafana/provisioning/dashboards") == "/etc/grafana/provisioning/dashboards"
            and mounts.get("../grafana/dashboards", "").startswith("/var/lib/grafana/dashboards"),
            f"Grafana mounts deploy/grafana's dashboard provider and dashboard ({mounts})")
    # The provider's options.path is where the dashboard must be (when
    # deploy/grafana is there: it comes with the InfluxDB exporter).
    provider = os.path.join(SRC, "deploy/grafana/provisioning/dashboards/modelserver.yaml")
    if os.path.exists(provider):
        with open(provider) as f:
            path = yaml.safe_load(f)["providers"][0]["options"]["path"]
        h.check(mounts["../grafana/dashboards"] == path, f"the dashboard is mounted where the provider looks: {path}")
    else:
        h.log(f"{provider} not in this tree: provider path not compared")
    with open(os.path.join(SRC, "deploy/compose/grafana-datasource.yaml")) as f:
        source = yaml.safe_load(f)["datasources"][0]
    h.check(mounts["./grafana-datasource.yaml"] == "/etc/grafana/provisioning/datasources/modelserver.yaml"
            and source["type"] == "influxdb" and source["url"] == "http://influxdb:8086"
            and source["database"] == services["influxdb"]["environment"]["INFLUXDB_DB"],
            f"the InfluxDB data source points at the compose InfluxDB ({source['url']}, {source['database']})")
    for engine, port in PORTS.items():
        s = services[f"server-{engine}"]
        env = {k: str(v) for k, v in s["environment"].items()}
        h.check(env["ENGINE"] == engine and env["MODEL_SERVER_PORT"] == str(port)
                and s["ports"] == [f"{port}:{port}"] and env["KAFKA_BROKERS_LIST"] == "kafka:9092",
                f"server-{engine}: engine {engine} on port {port}, brokers kafka:9092")
        h.check(s["build"]["target"] == "server" and s["build"]["dockerfile"] == "deploy/docker/Dockerfile",
                f"server-{engine}: built from the Dockerfile's server stage")
        unknown = set(env) - server_env - h.SEED_METRICS_VARIABLES
        h.check(not unknown, f"server-{engine}: every variable is one the server reads ({sorted(unknown)})")
    groups = {services[f"server-{e}"]["environment"]["DATA_GROUP"] for e in PORTS}
    results = {services[f"server-{e}"]["environment"]["RESULTS_TOPIC"] for e in PORTS}
    h.check(len(groups) == 2 and len(results) == 2, "the engines have their own groups and results topics")
    pub = services["publisher"]
    h.check(pub["build"]["target"] == "publisher" and not set(pub["environment"]) - publisher_env,
            "publisher: built from the publisher stage, with variables it reads")
    for name, s in services.items():
        if "build" in s:
            h.check(s["build"]["target"] in stages, f"{name}: target {s['build']['target']} is a Dockerfile stage")
        for dep in s.get("depends_on", []):
            h.check(dep in services, f"{name} depends on {dep}, a service")


def main():
    server_env, publisher_env = h.program_env_names("modelserver"), h.program_env_names("publisher")
    h.check({"KAFKA_BROKERS_LIST", "ENGINE", "MODEL_SERVER_PORT"} <= server_env
            and {"KAFKA_BROKERS_LIST", "DATA_DIRECTORY"} <= publisher_env,
            "the programs' --help lists their variables")
    check_dcos(server_env, publisher_env)
    check_compose(server_env, publisher_env, dockerfile_stages())
    print("1 passed, 0 failed")


main()
