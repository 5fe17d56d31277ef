/*
 * curl_once.h - libcurl's process-wide initialisation, done exactly once.
 *
 * curl_global_init is not thread-safe in every libcurl build, and its first
 * caller may be any thread (a model fetch, the InfluxDB writer, the Grafana
 * client): every user of libcurl calls curl_once_init() before its first
 * handle. It is never undone; the process keeps libcurl until it exits.
 */
#ifndef MS_UTIL_CURL_ONCE_H
#define MS_UTIL_CURL_ONCE_H

#include "core/error.h"

/* Returns 0, or -1 with a sentence in err when libcurl cannot start. */
int curl_once_init(ms_error *err);

#endif
