#pragma once
/* A parsed request as handlers see it: no HTTP library types. */

#include <stddef.h>
#include <stdio.h>

#include "db/db.h"
#include "server/query.h"

struct metrics;

struct request {
    const char *method;       /* as sent; HEAD reaches GET handlers */
    const char *path;         /* the request path, percent-decoded */
    const char *id;           /* the decoded {id} path segment, or NULL */
    const struct query *query;
    const char *body;         /* the request body (NUL-terminated), or NULL */
    size_t body_len;
    FILE *body_file;          /* the spooled body of a ROUTE_SPOOLS_BODY route, rewound */
    /* The body as a JSON object, parsed ahead by the worker that received
     * it (records_parse_ahead), or NULL: then the handler parses it. */
    json_t *parsed_body;
    struct store *store;
    struct db *db;            /* this worker thread's read connection (NULL on ROUTE_NO_DB) */
    /* A request header's value, or NULL. */
    const char *(*header)(const struct request *req, const char *name);
    void *transport;          /* the connection behind header() */
    const char *client;       /* the API key's public id, or "anonymous" */
    struct metrics *metrics;  /* the server's, for GET /metrics */
};
