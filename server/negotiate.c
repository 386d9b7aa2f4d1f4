#include "server/negotiate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

bool negotiate_accepts_gzip(const char *accept_encoding)
{
    if (accept_encoding == NULL)
        return false;
    for (const char *p = accept_encoding; *p != '\0';) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ",");
        size_t name_len = strcspn(p, ";, \t");
        bool named = (name_len == 4 && strncasecmp(p, "gzip", 4) == 0) ||
                     (name_len == 1 && p[0] == '*');
        if (named) {
            /* "gzip;q=0" refuses it; any other q accepts. */
            const char *q = memchr(p, ';', len);
            double weight = 1.0;
            if (q != NULL) {
                const char *eq = strstr(q, "q=");
                if (eq != NULL && eq < p + len)
                    weight = strtod(eq + 2, NULL);
            }
            return weight > 0.0;
        }
        p += len;
    }
    return false;
}

bool negotiate_gzip(char **body, size_t *len)
{
    z_stream z = {0};
    /* 15 + 16: a zlib window of 32 KiB with a gzip wrapper. Level 5 is the
     * usual knee of the size/CPU curve for JSON. */
    if (deflateInit2(&z, 5, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return false;
    size_t cap = deflateBound(&z, (uLong)*len);
    char *out = malloc(cap);
    bool ok = false;
    if (out != NULL) {
        z.next_in = (Bytef *)*body;
        z.avail_in = (uInt)*len;
        z.next_out = (Bytef *)out;
        z.avail_out = (uInt)cap;
        ok = deflate(&z, Z_FINISH) == Z_STREAM_END;
    }
    if (ok) {
        free(*body);
        *body = out;
        *len = z.total_out;
    } else {
        free(out);
    }
    deflateEnd(&z);
    return ok;
}

const char *negotiate_cache_control(const struct route *route, bool is_write, bool auth_all)
{
    if (is_write || route == NULL || (route->flags & (ROUTE_PUBLIC | ROUTE_NO_DB)) ||
        strcmp(route->pattern, "/v1/export") == 0)
        return "no-store";
    /* A record changes rarely and is revalidated cheaply with its ETag; a
     * list moves with every write, so dashboards ask again soon. */
    size_t n = strlen(route->pattern);
    bool one_record = n >= 4 && strcmp(route->pattern + n - 4, "{id}") == 0;
    if (auth_all)
        return one_record ? "private, max-age=60" : "private, max-age=5";
    return one_record ? "public, max-age=60" : "public, max-age=5";
}

char *negotiate_next_link(const char *target, const char *cursor)
{
    const char *question = strchr(target, '?');
    size_t path_len = question ? (size_t)(question - target) : strlen(target);
    size_t cap = strlen(target) + strlen(cursor) + 32;
    char *link = malloc(cap);
    if (link == NULL)
        return NULL;
    size_t n = (size_t)snprintf(link, cap, "<%.*s?", (int)path_len, target);
    /* Every parameter but the old cursor, as the client wrote it. */
    for (const char *p = question ? question + 1 : ""; *p != '\0';) {
        size_t len = strcspn(p, "&");
        if (len > 0 && !(strncmp(p, "cursor=", 7) == 0 || (len == 6 && strncmp(p, "cursor", 6) == 0)))
            n += (size_t)snprintf(link + n, cap - n, "%.*s&", (int)len, p);
        p += len;
        if (*p == '&')
            p++;
    }
    snprintf(link + n, cap - n, "cursor=%s>; rel=\"next\"", cursor);
    return link;
}
