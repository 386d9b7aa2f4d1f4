#pragma once
/* What a handler answers, independent of the HTTP library: a status, a body
 * and a few headers. server.c turns it into a libmicrohttpd response. */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define REPLY_MAX_HEADERS 16

struct reply_header {
    char *name;
    char *value;
};

/* A body produced piece by piece while it is sent (an export). read fills
 * at most max bytes and returns how many; 0 ends the body, REPLY_STREAM_ERROR
 * aborts the connection. free releases ctx once sending ends. */
#define REPLY_STREAM_ERROR ((size_t)-1)

struct reply_stream {
    size_t (*read)(void *ctx, char *buf, size_t max);
    void (*free)(void *ctx);
    void *ctx;
};

struct reply {
    int status;
    struct reply_stream stream; /* used instead of body when stream.read is set */
    char *body; /* malloc'd, owned by the reply */
    size_t body_len;
    const char *content_type; /* static string */
    struct reply_header headers[REPLY_MAX_HEADERS];
    size_t header_count;
    /* Set by the server before the handler: the ?fields= projection a list
     * applies to its items (NULL for all fields). */
    const char *fields;
    /* Set by reply_page: the next page's cursor, which the server turns into
     * a Link: <...>; rel="next" header. malloc'd. */
    char *next_cursor;
};

/* Serializes `value` (borrowed) as the body. Returns the status sent: on a
 * serialization failure the reply becomes a 500 problem. */
int reply_json(struct reply *rep, int status, const json_t *value);

/* JSON text already written (malloc'd, taken by the reply) as the body. */
int reply_json_text(struct reply *rep, int status, char *text, size_t len);

/* A body of `len` bytes copied from `data` (which stays the caller's), sent
 * as content_type (a static string). Returns status; on a failed copy the
 * reply becomes a 500 problem. */
int reply_bytes(struct reply *rep, int status, const void *data, size_t len,
                const char *content_type);

/* An RFC 9457 problem: {type, title, status, detail} and, when `field` is
 * given, errors: [{field, message: detail}]. Returns status. */
int reply_problem(struct reply *rep, int status, const char *field, const char *detail);

/* The Vary of an answer that may be gzipped. CORS headers go only to
 * requests that carry an Origin, so every answer varies by it too; one
 * without a Vary of its own gets "Vary: Origin" when it is sent. */
#define REPLY_VARY_ENCODED "Accept-Encoding, Origin"

/* Whether the reply has a header `name` (any case). */
bool reply_has_header(const struct reply *rep, const char *name);

/* Adds a header (both strings copied). Headers past REPLY_MAX_HEADERS are
 * dropped with a log line: the set is fixed by our own code. */
void reply_header(struct reply *rep, const char *name, const char *value);

/* An RFC 9457 problem with extra members merged in (`extra` is taken, may be
 * NULL), e.g. {"line": 3} for a bad import line. */
int reply_problem_with(struct reply *rep, int status, const char *field, const char *detail,
                       json_t *extra);

/* Releases the body, stream and headers; the reply can be reused. */
void reply_free(struct reply *rep);
