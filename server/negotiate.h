#pragma once
/* HTTP negotiation and caching details the daemon applies around every
 * handler: content coding, cache lifetimes, pagination links, CORS. */

#include <stdbool.h>
#include <stddef.h>

#include "server/router.h"

/* Bodies smaller than this go out as they are: gzip would not pay. */
#define NEGOTIATE_GZIP_MIN 1024

/* True when an Accept-Encoding value accepts gzip (q > 0), by name or *. */
bool negotiate_accepts_gzip(const char *accept_encoding);

/* Replaces *body (len bytes, malloc'd) by its gzip encoding. False, with
 * the body untouched, if compression fails. */
bool negotiate_gzip(char **body, size_t *len);

/* The Cache-Control value for a request on `route`: lists a few seconds,
 * single records a minute, probes and exports never; private when every
 * read needs a key. */
const char *negotiate_cache_control(const struct route *route, bool is_write, bool auth_all);

/* The Link header value for the next page: the request target with its
 * cursor parameter replaced by `cursor`. malloc'd; NULL on failure. */
char *negotiate_next_link(const char *target, const char *cursor);
