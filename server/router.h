#pragma once
/* Matching a request to the route table. Patterns are literal segments and
 * "{id}", which matches any one non-empty segment. */

#include <stdbool.h>
#include <stddef.h>

#include "server/reply.h"
#include "server/request.h"

/* A handler checks its input, calls db/, fills the reply and returns the
 * status it set. */
typedef int (*handler_fn)(const struct request *req, struct reply *rep);

/* An application/x-ndjson upload, spooled to a temporary file
 * (req->body_file) instead of memory, up to the import limit. */
#define ROUTE_NDJSON_UPLOAD 1u
/* Open without a key even under --auth=all: probes and version checks. */
#define ROUTE_PUBLIC 2u
/* Answers without the database (liveness). */
#define ROUTE_NO_DB 4u
/* Served from memory with its own validators and Cache-Control (the
 * dashboard's files), which the server leaves as they are. */
#define ROUTE_STATIC 8u
/* A read that can take milliseconds on a large store (ranking, counting
 * co-mentions): when the response cache does not have it, it is built on
 * a slow-read thread while the worker goes on with its other connections. */
#define ROUTE_SLOW 16u
/* A write that joins the write thread's batches (group commit): it runs
 * there, in a savepoint of a transaction shared with the writes queued
 * beside it, and its connection waits suspended for the commit. */
#define ROUTE_GROUP_COMMIT 32u
/* A read the response cache leaves alone: an article by id is already one
 * read of its kept document (db/documents.h), and a million articles asked
 * at random would only churn the cache. */
#define ROUTE_UNCACHED 64u

struct route {
    const char *method;
    const char *pattern;
    handler_fn handler;
    unsigned flags;
};

enum route_result { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD };

struct route_match {
    const struct route *route;
    /* The first route whose pattern matched, whatever its method (NULL for
     * an unknown path): what a 405 or a preflight is counted under. */
    const struct route *path_route;
    /* The raw (still percent-encoded) {id} segment, pointing into the path. */
    const char *id;
    size_t id_len;
    /* For ROUTE_BAD_METHOD: the methods the path allows, e.g. "GET, HEAD". */
    char allow[64];
};

/* Finds the route for method and raw path (no query string). HEAD is served
 * by the GET route. */
enum route_result router_match(const struct route *routes, size_t count, const char *method,
                               const char *path, struct route_match *match);
