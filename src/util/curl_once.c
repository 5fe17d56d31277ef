/* curl_once.c - curl_global_init exactly once per process (see curl_once.h). */
#include "util/curl_once.h"

#include <pthread.h>

#include <curl/curl.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void init_curl(void) {
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int curl_once_init(ms_error *err) {
    pthread_once(&curl_once, init_curl);
    if (curl_init_rc != CURLE_OK)
        return ms_error_set(err, "cannot initialize libcurl: %s",
                            curl_easy_strerror(curl_init_rc));
    return 0;
}
