#!/usr/bin/python3
"""`modelserver broker`: a 3-broker embedded cluster that independent
clients see as Kafka: kcat lists its brokers and the system's topics with
their partition counts, and python3-kafka produces to and consumes from it.
"""
import subprocess

import harness as h
from kafka import KafkaConsumer, KafkaProducer

broker = h.start_broker(brokers=3, partitions=4)
meta = subprocess.run(["kcat", "-b", broker.address, "-L"], capture_output=True, text=True,
                      timeout=30).stdout
h.check("3 brokers:" in meta, "kcat sees 3 brokers")
for topic, parts in (("models_data", 4), ("models_models", 1), ("models_results", 4)):
    h.check(f'topic "{topic}" with {parts} partitions' in meta,
            f"{topic} has {parts} partition(s)")

producer = KafkaProducer(bootstrap_servers=broker.address, acks="all")
for i in range(50):
    producer.send("models_data", f"message {i}".encode())
producer.flush()
consumer = KafkaConsumer("models_data", bootstrap_servers=broker.address,
                         auto_offset_reset="earliest", consumer_timeout_ms=10000,
                         group_id="python-check")
got = {m.value for m in consumer}
consumer.close()
h.check(got == {f"message {i}".encode() for i in range(50)},
        f"python3-kafka read back all 50 messages through a consumer group ({len(got)})")
h.check(h.stop(broker) == 0, "the broker exits 0 on SIGTERM")
print("1 passed, 0 failed")
