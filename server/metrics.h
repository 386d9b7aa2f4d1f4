#pragma once
/* The server's Prometheus metrics: request counts and latencies per route,
 * write-transaction latencies, and gauges read when /metrics is scraped.
 *
 * Recording is meant for the request path: a few relaxed atomic additions
 * on counters spread over per-thread shards, no lock and no allocation.
 * Rendering sums the shards and is only paid by the scraper. */

#include <stddef.h>
#include <stdint.h>

#include "server/router.h"

struct metrics;

/* What only the server can tell at scrape time. */
struct metrics_gauges {
    int64_t in_flight;   /* requests received and not yet completed */
    int64_t connections; /* open client connections */
    /* Article reads answered from their kept documents, and documents
     * kept (db/documents.h), since the server started. */
    uint64_t documents_served, documents_kept;
};

/* A fresh set of zeroed metrics for a server whose database file is at
 * db_path (its size and its -wal file's size are gauges). NULL when out of
 * memory. Routes are added with metrics_add_routes before serving. */
struct metrics *metrics_new(const char *db_path);

/* Makes the routes of `table` (borrowed; it must outlive the metrics)
 * countable. Routes sharing a pattern share a series. False when the
 * metrics have no room for more (a fixed, generous number of patterns). */
bool metrics_add_routes(struct metrics *m, const struct route *table, size_t count);

/* Reads the server's gauges at scrape time; ctx is the server's. */
void metrics_set_sampler(struct metrics *m, void (*sample)(void *ctx, struct metrics_gauges *out),
                         void *ctx);

/* With a token (copied; NULL or "" for none), scrapes must send
 * "Authorization: Bearer TOKEN"; API keys live in the database, and a
 * scraper should not need one or reach it. False when out of memory. */
bool metrics_set_token(struct metrics *m, const char *token);

/* True when an Authorization header value lets its sender scrape. */
bool metrics_may_scrape(const struct metrics *m, const char *authorization);

/* Accepts NULL. */
void metrics_free(struct metrics *m);

/* Counts one answered request. `route` is the route whose path matched (NULL
 * for an unknown path: they all count as route "unmatched"), `method` as
 * sent, `status` as answered, `duration_us` from request line to completion. */
void metrics_request_done(struct metrics *m, const struct route *route, const char *method,
                          int status, uint64_t duration_us);

/* Counts one write transaction that held the write lock for held_us. Has
 * the shape of a store write observer (ctx is the struct metrics). */
void metrics_write_done(void *ctx, uint64_t held_us);

/* Counts one batch of `writes` writes run on the write thread (group
 * commit): with the write transactions above, how much commits are
 * shared. */
void metrics_write_batch(struct metrics *m, size_t writes);

/* The Prometheus text exposition (format 0.0.4) of everything above, plus
 * database sizes and build info. Caller frees; NULL when out of memory. */
char *metrics_render(struct metrics *m, size_t *len);

/* The Content-Type of metrics_render's text. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
