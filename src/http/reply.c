/* reply.c - the replies handlers fill (see http_internal.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"

void reply_text(http_reply *out, unsigned status, const char *content_type,
                char *text) {
    free(out->body);
    *out = (http_reply){.status = status, .content_type = content_type,
                        .body = text, .len = text ? strlen(text) : 0};
}

void reply_json(http_reply *out, unsigned status, json_t *doc) {
    char *body = doc ? json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15))
                     : NULL;
    json_decref(doc);
    if (!body) {
        reply_text(out, 500, "application/json",
                   strdup("{\"error\":\"cannot write the reply (out of memory)\"}"));
        return;
    }
    reply_text(out, status, "application/json", body);
}

void reply_error(http_reply *out, unsigned status, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    reply_json(out, status, json_pack("{s:s}", "error", msg));
}

void reply_fixed(http_reply *out, const char *content_type, const void *bytes,
                 size_t len) {
    free(out->body);
    *out = (http_reply){.status = 200, .content_type = content_type,
                        .fixed = bytes, .len = len};
}
