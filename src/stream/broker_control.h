/*
 * broker_control.h - fault injection for the embedded broker, one command
 * per line (read from standard input by `modelserver broker --control`):
 *
 *   down ID                      broker ID stops answering (connections drop)
 *   up ID                        broker ID is back
 *   rtt ID MS                    broker ID answers MS milliseconds late
 *   errors API COUNT ERROR       the next COUNT requests of API (Produce,
 *                                Fetch, OffsetCommit, ... or its number) fail
 *                                with ERROR (a Kafka error name such as
 *                                REQUEST_TIMED_OUT, or its code)
 *   leader TOPIC PARTITION ID    broker ID becomes the partition's leader
 *
 * Each command is answered by one line, "ok" or "error: <why>".
 */
#ifndef MS_STREAM_BROKER_CONTROL_H
#define MS_STREAM_BROKER_CONTROL_H

#include <stddef.h>

#include "stream/broker.h"

/* Runs one command line against the broker; writes the answer (without a
 * newline) into reply. Returns 0 when the command was applied. */
int broker_control(broker *b, const char *line, char *reply, size_t cap);

#endif
