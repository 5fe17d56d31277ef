#!/bin/sh
# Health check of the server image (Dockerfile HEALTHCHECK): GET /health/live
# on the port the server listens on, which is MODEL_SERVER_PORT, or the
# engine's default (8888 for store, 5500 for stage). Exit 0 when live.
port="${MODEL_SERVER_PORT:-}"
if [ -z "$port" ]; then
  if [ "${ENGINE:-stage}" = store ]; then port=8888; else port=5500; fi
fi
exec curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${port}/health/live"
