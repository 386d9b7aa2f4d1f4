#pragma once
/* What a handler answers, independent of the HTTP library: a status, a body
 * and a few headers. server.c turns it into a libmicrohttpd response. */

#include <stddef.h>

#include <jansson.h>

#define REPLY_MAX_HEADERS 8

struct reply_header {
    char *name;
    char *value;
};

struct reply {
    int status;
    char *body; /* malloc'd, owned by the reply */
    size_t body_len;
    const char *content_type; /* static string */
    struct reply_header headers[REPLY_MAX_HEADERS];
    size_t header_count;
};

/* Serializes `value` (borrowed) as the body. Returns the status sent: on a
 * serialization failure the reply becomes a 500 problem. */
int reply_json(struct reply *rep, int status, const json_t *value);

/* An RFC 9457 problem: {type, title, status, detail} and, when `field` is
 * given, errors: [{field, message: detail}]. Returns status. */
int reply_problem(struct reply *rep, int status, const char *field, const char *detail);

/* Adds a header (both strings copied). Headers past REPLY_MAX_HEADERS are
 * dropped with a log line: the set is fixed by our own code. */
void reply_header(struct reply *rep, const char *name, const char *value);

/* Releases the body and headers; the reply can be reused. */
void reply_free(struct reply *rep);
