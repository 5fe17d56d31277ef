/*
 * assets.h - the dashboard's files (src/http/dashboard/), embedded in the
 * binary at build time by cmake/embed.cmake: the server reads no file at
 * run time, so no request can ever reach the file system.
 */
#ifndef MS_HTTP_ASSETS_H
#define MS_HTTP_ASSETS_H

#include <stddef.h>

typedef struct http_asset {
    const char *name;            /* file name, no directory */
    const unsigned char *data;   /* len bytes, then a NUL */
    size_t len;
} http_asset;

extern const http_asset http_assets[];
extern const size_t http_nassets;

#endif
