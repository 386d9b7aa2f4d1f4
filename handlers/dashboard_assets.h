#pragma once
/* The dashboard's files, embedded at build time by web/embed.py. */

#include <stddef.h>

struct dashboard_asset {
    const char *name;         /* the file name, e.g. "app.js" */
    const char *content_type;
    const unsigned char *data;
    size_t len;
    const unsigned char *gzip; /* the same bytes gzip-compressed */
    size_t gzip_len;
    const char *etag;         /* strong, quoted, from the bytes */
    const char *gzip_etag;    /* the compressed copy's own tag */
};

extern const struct dashboard_asset dashboard_assets[];
extern const size_t dashboard_asset_count;
