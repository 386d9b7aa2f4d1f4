#include "server/negotiate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "server/query.h"

bool negotiate_accepts_gzip(const char *accept_encoding)
{
    /* An explicit gzip entry decides; otherwise "*" does (RFC 9110, 12.5.3). */
    int gzip = -1, any = -1;
    if (accept_encoding == NULL)
        return false;
    for (const char *p = accept_encoding; *p != '\0';) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ",");
        size_t name_len = strcspn(p, ";, \t");
        double weight = 1.0;
        for (const char *q = memchr(p, ';', len); q != NULL && q < p + len;
             q = memchr(q + 1, ';', (size_t)(p + len - q - 1))) {
            const char *v = q + 1 + strspn(q + 1, " \t");
            if ((v[0] == 'q' || v[0] == 'Q') && v[1] == '=')
                weight = strtod(v + 2, NULL);
        }
        if (name_len == 4 && strncasecmp(p, "gzip", 4) == 0)
            gzip = weight > 0.0;
        else if (name_len == 1 && p[0] == '*')
            any = weight > 0.0;
        p += len;
    }
    return gzip >= 0 ? gzip == 1 : any == 1;
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

/* Characters a Link URI-reference may carry as they are; anything else is
 * percent-encoded, so a query string cannot close the <...> or add links. */
static bool link_safe(unsigned char c)
{
    return c > 0x20 && c < 0x7f && strchr("<>\"\\^`{|} ", c) == NULL;
}

static size_t append_encoded(char *out, size_t n, const char *in, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (link_safe(c)) {
            out[n++] = (char)c;
        } else {
            out[n++] = '%';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        }
    }
    return n;
}

/* True when the raw parameter is the cursor, however its name is encoded. */
static bool is_cursor_param(const char *p, size_t len)
{
    size_t name_len = strcspn(p, "=");
    if (name_len > len)
        name_len = len;
    char *name = NULL;
    bool cursor = query_decode(p, name_len, true, &name) && strcmp(name, "cursor") == 0;
    free(name);
    return cursor;
}

char *negotiate_next_link(const char *target, const char *cursor)
{
    const char *question = strchr(target, '?');
    size_t path_len = question ? (size_t)(question - target) : strlen(target);
    /* Each byte may grow to three when encoded. */
    size_t cap = 3 * strlen(target) + strlen(cursor) + 32;
    char *link = malloc(cap);
    if (link == NULL)
        return NULL;
    size_t n = 0;
    link[n++] = '<';
    n = append_encoded(link, n, target, path_len);
    link[n++] = '?';
    /* Every parameter but the old cursor, as the client wrote it. */
    for (const char *p = question ? question + 1 : ""; *p != '\0';) {
        size_t len = strcspn(p, "&");
        if (len > 0 && !is_cursor_param(p, len)) {
            n = append_encoded(link, n, p, len);
            link[n++] = '&';
        }
        p += len;
        if (*p == '&')
            p++;
    }
    snprintf(link + n, cap - n, "cursor=%s>; rel=\"next\"", cursor);
    return link;
}
