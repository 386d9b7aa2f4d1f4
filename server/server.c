#include "server/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "db/text.h"
#include "db/transaction.h"
#include "server/auth.h"
#include "handlers/params.h"
#include "handlers/records.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/negotiate.h"
#include "server/offload.h"
#include "server/query.h"
#include "server/reply.h"
#include "server/request.h"
#include "server/request_id.h"
#include "server/router.h"
#include "server/response_cache.h"
#include "server/routes.h"

/* What a connection's memory holds beyond the request head (--max-request-
 * head): libmicrohttpd's record of each header and the answer's own header
 * lines. With less, a head near the limit would get no answer at all. */
#define REQUEST_HEAD_ROOM 4096
/* The largest answer the response cache keeps: a list page of 100 summaries
 * fits; whole articles with long bodies are built each time. */
#define RESPONSE_CACHE_MAX_BODY (64 * 1024)
/* All the bodies the response cache holds at once. */
#define RESPONSE_CACHE_MAX_BYTES (16 * 1024 * 1024)
/* The most writes one transaction takes (group commit): enough to share a
 * commit among every connection of a busy client pool, few enough that the
 * first of them does not wait long for the last. */
#define WRITE_BATCH_MAX 64

struct server {
    struct MHD_Daemon *daemon;
    struct store *store;
    struct config cfg;
    atomic_int in_flight;
    atomic_int suspended; /* connections suspended for a slow read or a write, not yet answered */
    unsigned short port;
    struct metrics *metrics;
    struct response_cache *cache; /* NULL when --response-cache is 0 */
    struct offload *slow_reads;   /* builds ROUTE_SLOW answers the cache lacks */
    struct offload *writes;       /* runs ROUTE_GROUP_COMMIT writes in batches */
};

/* One request's state, from the request line to the completion callback. */
struct exchange {
    struct server *server;
    char *target; /* the raw request target: path and query, still encoded */
    struct timespec started_at;
    bool body_phase;
    enum route_result routed;
    struct route_match match; /* points into target */
    char *raw_path;
    FILE *body_file; /* the spooled body of a ROUTE_SPOOLS_BODY route */
    char *body;
    size_t body_len, body_cap, body_limit;
    bool body_too_large, body_failed;
    int status;
    uint64_t bytes;
    const char *route; /* the matched route's pattern, for the access log */
    char method[16];
    bool is_write;
    bool gzip_ok;    /* the client accepts gzip and the reply may use it */
    char client[32]; /* the API key's public id, or "anonymous" */
    const struct route *metric_route; /* what the metrics count it under */
    char request_id[REQUEST_ID_MAX + 1];
    /* The routed request, owned here (not by dispatch) so that a slow read
     * can finish on another thread: req points into query, path and id. */
    struct query query;
    char *path, *id;
    struct request req;
    /* A slow read on srv->slow_reads or a write on srv->writes: the
     * connection is suspended until later_reply holds its answer. */
    struct MHD_Connection *connection;
    bool answer_pending;
    struct reply later_reply;
    /* The request's headers, copied for the slow-read or write thread, so
     * that it never reads libmicrohttpd's connection from another thread. */
    struct reply_header *headers;
    size_t header_count, header_cap;
};

static uint64_t micros_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)(now.tv_sec - start->tv_sec) * 1000000u +
           (uint64_t)((now.tv_nsec - start->tv_nsec) / 1000);
}

/* libmicrohttpd hands us the raw target here, before it decodes anything:
 * our own parser then decides what is valid, and %2F stays inside a
 * segment. The returned exchange becomes the request's context. */
static void *on_request_line(void *cls, const char *uri, struct MHD_Connection *connection)
{
    (void)connection;
    struct server *srv = cls;
    struct exchange *ex = calloc(1, sizeof *ex);
    if (ex == NULL)
        return NULL;
    ex->server = srv;
    ex->target = strdup(uri != NULL ? uri : "");
    clock_gettime(CLOCK_MONOTONIC, &ex->started_at);
    atomic_fetch_add(&srv->in_flight, 1);
    return ex;
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **req_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)connection;
    (void)code;
    struct server *srv = cls;
    struct exchange *ex = *req_cls;
    if (ex == NULL)
        return;
    /* Resumed, but closed before its answer could be sent (the client
     * went away meanwhile). */
    if (ex->answer_pending)
        atomic_fetch_sub(&srv->suspended, 1);
    if (ex->status != 0) {
        uint64_t us = micros_since(&ex->started_at);
        log_access(ex->method, ex->target ? ex->target : "", ex->route, ex->status, ex->bytes,
                   us, ex->request_id[0] != '\0' ? ex->request_id : NULL);
        metrics_request_done(srv->metrics, ex->metric_route, ex->method, ex->status, us);
    }
    free(ex->target);
    free(ex->raw_path);
    free(ex->body);
    if (ex->body_file != NULL)
        fclose(ex->body_file);
    query_free(&ex->query);
    json_decref(ex->req.parsed_body);
    free(ex->path);
    free(ex->id);
    reply_free(&ex->later_reply);
    for (size_t i = 0; i < ex->header_count; i++) {
        free(ex->headers[i].name);
        free(ex->headers[i].value);
    }
    free(ex->headers);
    free(ex);
    *req_cls = NULL;
    atomic_fetch_sub(&srv->in_flight, 1);
}

static const char *request_header(const struct request *req, const char *name)
{
    return MHD_lookup_connection_value(req->transport, MHD_HEADER_KIND, name);
}

/* request_header for a slow read or a write on the write thread: its
 * transport is the exchange. */
static const char *copied_header(const struct request *req, const char *name)
{
    const struct exchange *ex = req->transport;
    for (size_t i = 0; i < ex->header_count; i++)
        if (strcasecmp(ex->headers[i].name, name) == 0)
            return ex->headers[i].value;
    return NULL;
}

static enum MHD_Result copy_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    struct exchange *ex = cls;
    if (ex->header_count == ex->header_cap) {
        size_t cap = ex->header_cap ? ex->header_cap * 2 : 8;
        struct reply_header *grown = realloc(ex->headers, cap * sizeof *grown);
        if (grown == NULL)
            return MHD_NO;
        ex->headers = grown;
        ex->header_cap = cap;
    }
    struct reply_header *h = &ex->headers[ex->header_count];
    h->name = strdup(key);
    h->value = strdup(value != NULL ? value : "");
    if (h->name == NULL || h->value == NULL) {
        free(h->name);
        free(h->value);
        return MHD_NO;
    }
    ex->header_count++;
    return MHD_YES;
}

/* Copies the request's headers into the exchange and points req at the
 * copies; false when memory ran out. */
static bool use_copied_headers(struct exchange *ex, struct MHD_Connection *connection)
{
    int total = MHD_get_connection_values(connection, MHD_HEADER_KIND, NULL, NULL);
    if (MHD_get_connection_values(connection, MHD_HEADER_KIND, copy_header, ex) != total ||
        ex->header_count != (size_t)total)
        return false;
    ex->req.header = copied_header;
    ex->req.transport = ex;
    return true;
}

static ssize_t read_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct reply_stream *stream = cls;
    size_t n = stream->read(stream->ctx, buf, max);
    if (n == REPLY_STREAM_ERROR)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : (ssize_t)n;
}

static void free_stream(void *cls)
{
    struct reply_stream *stream = cls;
    if (stream->free != NULL)
        stream->free(stream->ctx);
    free(stream);
}

/* The libmicrohttpd response for rep, taking its body or stream. */
static struct MHD_Response *make_response(struct reply *rep)
{
    struct MHD_Response *response = NULL;
    if (rep->stream.read != NULL) {
        struct reply_stream *stream = malloc(sizeof *stream);
        if (stream == NULL)
            return NULL;
        *stream = rep->stream;
        memset(&rep->stream, 0, sizeof rep->stream);
        response = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, read_stream,
                                                     stream, free_stream);
        if (response == NULL)
            free_stream(stream);
        return response;
    }
    response = MHD_create_response_from_buffer(rep->body_len, rep->body, MHD_RESPMEM_MUST_FREE);
    if (response != NULL)
        rep->body = NULL; /* libmicrohttpd frees it with the response */
    return response;
}

static enum MHD_Result send_reply(struct MHD_Connection *connection, struct exchange *ex,
                                  struct reply *rep)
{
    const struct config *cfg = &ex->server->cfg;
    struct MHD_Response *response = make_response(rep);
    if (response == NULL) {
        reply_free(rep);
        return MHD_NO;
    }
    /* Browsers on other origins may read answers (and the headers a
     * client needs to page, revalidate and retry). A browser names its
     * origin on every request to another one; curl and services never need
     * the two headers, which were a quarter of an article's headers. Every
     * answer varies by Origin (REPLY_VARY_ENCODED, or this Vary when the
     * reply has none), so that no cache hands a browser an answer without
     * them. */
    if (MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_ORIGIN) != NULL) {
        MHD_add_response_header(response, "Access-Control-Allow-Origin", cfg->cors_origin);
        MHD_add_response_header(response, "Access-Control-Expose-Headers",
                                "ETag, Link, Location, Retry-After, WWW-Authenticate, X-Request-Id");
    }
    if (!reply_has_header(rep, MHD_HTTP_HEADER_VARY))
        MHD_add_response_header(response, MHD_HTTP_HEADER_VARY, "Origin");
    if (rep->content_type != NULL)
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, rep->content_type);
    /* Browsers must never guess a type for our JSON. */
    MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    if (ex->request_id[0] != '\0')
        MHD_add_response_header(response, "X-Request-Id", ex->request_id);
    for (size_t i = 0; i < rep->header_count; i++)
        MHD_add_response_header(response, rep->headers[i].name, rep->headers[i].value);

    ex->status = rep->status;
    ex->bytes = rep->body_len;
    enum MHD_Result result = MHD_queue_response(connection, (unsigned int)rep->status, response);
    MHD_destroy_response(response);
    reply_free(rep);
    return result;
}

/* The reply for a request that matched no route: 404, or 405 with Allow. */
static void routing_problem(const struct exchange *ex, struct reply *rep)
{
    if (ex->routed == ROUTE_BAD_METHOD) {
        reply_header(rep, "Allow", ex->match.allow);
        reply_problem(rep, 405, NULL, "this endpoint does not take that method; see Allow");
    } else {
        reply_problem(rep, 404, NULL, "no such endpoint; the API lives under /v1/");
    }
}

/* OPTIONS on a known path: the CORS preflight, answered for any origin
 * the server allows, with every method the path takes. */
static void preflight(const struct exchange *ex, struct reply *rep)
{
    char methods[96];
    snprintf(methods, sizeof methods, "%s, OPTIONS", ex->match.allow);
    rep->status = 204;
    reply_header(rep, "Allow", methods);
    reply_header(rep, "Access-Control-Allow-Methods", methods);
    reply_header(rep, "Access-Control-Allow-Headers",
                 "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, "
                 "X-Request-Id");
    reply_header(rep, "Access-Control-Max-Age", "600");
}

/* Whether the answer may be gzipped: the client accepts it, and it is not
 * the export (a stream). */
static bool wants_gzip(const struct exchange *ex, const struct request *req)
{
    return strcmp(ex->match.route->pattern, "/v1/export") != 0 &&
           negotiate_accepts_gzip(req->header(req, MHD_HTTP_HEADER_ACCEPT_ENCODING));
}

/* A 304 for the tag the client holds, with the headers the 200 would carry. */
static void reply_not_modified(struct reply *rep, const char *etag, const char *cache_control)
{
    rep->status = 304;
    reply_header(rep, "ETag", etag);
    reply_header(rep, "Cache-Control", cache_control);
    reply_header(rep, "Vary", REPLY_VARY_ENCODED);
}

/* The cache key of a read: the same target at the same store version is
 * the same answer; the first byte tells identity from gzip, whose tags
 * differ. malloc'd; NULL when there is no cache. */
static char *cache_key(const struct server *srv, const struct exchange *ex)
{
    char *key = NULL;
    if (srv->cache == NULL || (ex->match.route->flags & ROUTE_UNCACHED) ||
        asprintf(&key, "%c%s", ex->gzip_ok ? 'g' : 'i', ex->target) < 0)
        return NULL;
    return key;
}

/* A read answered from the store version alone, before any snapshot is
 * taken: a 304 when the client holds the current tag, else an answer the
 * response cache keeps for this version. The version comes from
 * db_store_version_now, which costs no transaction while nothing was
 * committed. True when rep is the answer. */
static bool answer_from_version(struct server *srv, struct exchange *ex, const struct request *req,
                                struct reply *rep)
{
    const struct route *route = ex->match.route;
    const char *cache = negotiate_cache_control(route, false, srv->cfg.auth_all);
    const char *held = req->header(req, MHD_HTTP_HEADER_IF_NONE_MATCH);
    int64_t version = 0;
    char etag[64];

    bool uncached = srv->cache == NULL || (route->flags & ROUTE_UNCACHED);
    if ((held == NULL && uncached) || strcmp(cache, "no-store") == 0 ||
        db_store_version_now(req->db, &version) != DB_OK)
        return false;
    ex->gzip_ok = wants_gzip(ex, req);
    etag_format(etag, sizeof etag, version, ex->target, ex->gzip_ok);
    if (held != NULL && etag_list_matches(held, etag)) {
        reply_not_modified(rep, etag, cache);
        return true;
    }
    char *key = cache_key(srv, ex);
    bool hit = key != NULL && response_cache_get(srv->cache, key, version, rep);
    free(key);
    return hit;
}

/* A read inside its snapshot, after answer_from_version found neither a
 * 304 nor a kept answer: the ETag comes from the snapshot's version (a
 * commit may have come since, making the client's tag current after all),
 * and the answer built is offered to the response cache. */
static void answer_read(struct server *srv, struct exchange *ex, const struct request *req,
                        struct reply *rep, const struct query *query)
{
    char etag[64] = "";
    int64_t version = 0;
    const struct route *route = ex->match.route;
    const char *cache = negotiate_cache_control(route, false, srv->cfg.auth_all);
    bool cacheable = strcmp(cache, "no-store") != 0;

    ex->gzip_ok = wants_gzip(ex, req);
    /* The snapshot's version: known without a query when the snapshot is. */
    if (cacheable && db_store_version_now(req->db, &version) == DB_OK) {
        etag_format(etag, sizeof etag, version, ex->target, ex->gzip_ok);
        const char *held = req->header(req, MHD_HTTP_HEADER_IF_NONE_MATCH);
        if (held != NULL && etag_list_matches(held, etag)) {
            reply_not_modified(rep, etag, cache);
            return;
        }
    }
    char *key = etag[0] != '\0' ? cache_key(srv, ex) : NULL;
    rep->fields = query_get(query, "fields");
    struct timespec build_start;
    clock_gettime(CLOCK_MONOTONIC, &build_start);
    route->handler(req, rep);
    /* Compressed before it is kept: a kept answer then goes out as it is,
     * instead of being compressed again for every gzip client. */
    if (rep->status == 200 && ex->gzip_ok && rep->body_len >= NEGOTIATE_GZIP_MIN &&
        negotiate_gzip(&rep->body, &rep->body_len))
        reply_header(rep, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    uint64_t built_us = micros_since(&build_start);
    if (rep->status == 200 && etag[0] != '\0')
        reply_header(rep, "ETag", etag);
    reply_header(rep, "Cache-Control", rep->status == 200 ? cache : "no-store");
    reply_header(rep, "Vary", REPLY_VARY_ENCODED);
    if (rep->next_cursor != NULL) {
        char *link = negotiate_next_link(ex->target, rep->next_cursor);
        if (link != NULL)
            reply_header(rep, "Link", link);
        free(link);
    }
    if (key != NULL)
        response_cache_put(srv->cache, key, version, rep, built_us);
    free(key);
}

/* A read inside one snapshot of the store. */
static void read_in_snapshot(struct server *srv, struct exchange *ex, const struct request *req,
                             struct reply *rep)
{
    if (db_snapshot_begin(req->db) != DB_OK) {
        reply_header(rep, "Retry-After", "1");
        reply_problem(rep, 503, NULL, "the database is busy; retry shortly");
        return;
    }
    answer_read(srv, ex, req, rep, req->query);
    db_snapshot_leave(req->db);
}

/* A slow read, on a slow-read thread, with the headers copied before: the
 * connection stays suspended meanwhile and belongs to its worker. Resuming
 * hands the exchange back to the worker, which sends later_reply, so nothing
 * here may touch ex after that. */
static void run_slow_read(void *job)
{
    struct exchange *ex = job;
    struct server *srv = ex->server;
    struct reply rep = {0};

    ex->req.db = store_reader(srv->store);
    if (ex->req.db == NULL) {
        reply_header(&rep, "Retry-After", "1");
        reply_problem(&rep, 503, NULL, "the database cannot be opened; see the server log");
    } else if (!answer_from_version(srv, ex, &ex->req, &rep)) {
        /* Asked again while queued behind its first build, it is a cache
         * hit by now: checked above, before building it a second time. */
        read_in_snapshot(srv, ex, &ex->req, &rep);
    }
    store_reader_park(srv->store);
    ex->later_reply = rep;
    MHD_resume_connection(ex->connection);
}

/* One write on the write thread, inside the batch if one is open. */
static void run_write(struct server *srv, struct exchange *ex)
{
    struct reply *rep = &ex->later_reply;
    ex->req.db = store_reader(srv->store);
    if (ex->req.db == NULL) {
        reply_header(rep, "Retry-After", "1");
        reply_problem(rep, 503, NULL, "the database cannot be opened; see the server log");
    } else {
        ex->match.route->handler(&ex->req, rep);
    }
    reply_header(rep, "Cache-Control", "no-store");
}

/* A batch of writes on the write thread, in one transaction (group
 * commit): each write runs as it would alone, in a savepoint of its own, so
 * a refused one leaves the others be, and their answers go out once the
 * batch is committed. A batch that began and could not commit stored
 * nothing (a write that fills the disk or the size limit ends SQLite's
 * whole transaction): each of its writes then runs again alone, in a
 * transaction of its own, and answers for itself. A batch that could not
 * begin (busy, read-only) has each write answer why, as it would alone. */
static void run_write_batch(void *ctx, void *const *jobs, size_t count)
{
    struct server *srv = ctx;
    bool began = db_batch_begin(srv->store) == DB_OK;

    for (size_t i = 0; i < count; i++)
        run_write(srv, jobs[i]);
    if (db_batch_end(srv->store) != DB_OK && began) {
        for (size_t i = 0; i < count; i++) {
            struct exchange *ex = jobs[i];
            reply_free(&ex->later_reply);
            run_write(srv, ex);
        }
    }
    metrics_write_batch(srv->metrics, count);
    store_reader_park(srv->store);
    for (size_t i = 0; i < count; i++) {
        struct exchange *ex = jobs[i];
        MHD_resume_connection(ex->connection);
    }
}

/* Suspends the connection and queues job on pool, in a place taken by
 * offload_reserve: the answer comes later, in ex->later_reply. */
static void answer_later(struct server *srv, struct MHD_Connection *connection,
                         struct exchange *ex, struct offload *pool, offload_fn run)
{
    /* Suspended before it is queued: the job may finish, and resume the
     * connection, as soon as it is. */
    ex->connection = connection;
    ex->answer_pending = true;
    atomic_fetch_add(&srv->suspended, 1);
    MHD_suspend_connection(connection);
    offload_submit(pool, run, ex);
}

/* Runs the routed request's handler and fills rep; false when the answer
 * comes later, from a slow-read or write thread. */
static bool dispatch(struct server *srv, struct MHD_Connection *connection, struct exchange *ex,
                     struct reply *rep)
{
    struct route_match match = ex->match;
    const char *bad_name = NULL;
    const char *question = strchr(ex->target, '?');
    const char *raw_path = ex->raw_path;
    size_t path_len = strlen(raw_path);

    if (strcmp(ex->method, "OPTIONS") == 0 && ex->routed == ROUTE_BAD_METHOD) {
        preflight(ex, rep);
        return true;
    }
    if (ex->routed != ROUTE_FOUND) {
        routing_problem(ex, rep);
        return true;
    }
    ex->route = match.route->pattern;

    if (match.id != NULL && !query_decode(match.id, match.id_len, false, &ex->id)) {
        reply_problem(rep, 400, "id", "the id has invalid percent-encoding or characters");
        return true;
    }
    if (!query_decode(raw_path, path_len, false, &ex->path)) {
        reply_problem(rep, 400, "path", "the path has invalid percent-encoding or characters");
        return true;
    }
    switch (query_parse(question ? question + 1 : NULL, &ex->query, &bad_name)) {
    case QUERY_OK: break;
    case QUERY_BAD_ENCODING:
        reply_problem(rep, 400, bad_name, "invalid percent-encoding or characters");
        return true;
    case QUERY_DUPLICATE:
        reply_problem(rep, 400, bad_name, "given more than once");
        return true;
    case QUERY_TOO_MANY:
        reply_problem(rep, 400, "query", "too many query parameters");
        return true;
    case QUERY_NO_MEMORY:
        reply_problem(rep, 500, NULL, "out of memory");
        return true;
    }

    ex->req = (struct request){
        .method = ex->method,
        .path = ex->path,
        .id = ex->id,
        .query = &ex->query,
        .body = ex->body,
        .body_len = ex->body_len,
        .body_file = ex->body_file,
        .store = srv->store,
        .header = request_header,
        .transport = connection,
        .client = ex->client,
        .metrics = srv->metrics,
    };
    struct request *req = &ex->req;
    /* With the write queue full, or the server stopping, the worker runs a
     * write itself, in a transaction of its own. */
    if (ex->is_write && (match.route->flags & ROUTE_GROUP_COMMIT) &&
        use_copied_headers(ex, connection) && offload_reserve(srv->writes)) {
        req->parsed_body = records_parse_ahead(req);
        answer_later(srv, connection, ex, srv->writes, NULL);
        return false;
    }
    if (match.route->flags & ROUTE_NO_DB) {
        match.route->handler(req, rep);
        if (!(match.route->flags & ROUTE_STATIC))
            reply_header(rep, "Cache-Control", "no-store");
        return true;
    }
    req->db = store_reader(srv->store);
    if (req->db == NULL) {
        reply_header(rep, "Retry-After", "1");
        reply_problem(rep, 503, NULL, "the database cannot be opened; see the server log");
        return true;
    }
    /* A read answers from one snapshot. A write does not hold one: a reader
     * kept open across the commit would pin the WAL so it never restarts. */
    if (ex->is_write) {
        match.route->handler(req, rep);
        reply_header(rep, "Cache-Control", "no-store");
        return true;
    }
    if (answer_from_version(srv, ex, req, rep))
        return true;
    /* With the queue full, or the server stopping, the worker builds a slow
     * read itself, as if there were no slow-read threads. */
    if ((match.route->flags & ROUTE_SLOW) && use_copied_headers(ex, connection) &&
        offload_reserve(srv->slow_reads)) {
        answer_later(srv, connection, ex, srv->slow_reads, run_slow_read);
        return false;
    }
    read_in_snapshot(srv, ex, req, rep);
    return true;
}

/* Keeps an upload chunk, in memory or in the spool file. Past the limit the
 * rest is read and dropped, and the reply will say 413. */
static void append_body(struct exchange *ex, const char *data, size_t len)
{
    if (ex->body_too_large || ex->body_failed)
        return;
    if (ex->body_len + len > ex->body_limit) {
        ex->body_too_large = true;
        return;
    }
    if (ex->body_file != NULL) {
        if (fwrite(data, 1, len, ex->body_file) != len)
            ex->body_failed = true;
        ex->body_len += len;
        return;
    }
    if (ex->body_len + len + 1 > ex->body_cap) {
        size_t cap = ex->body_cap ? ex->body_cap : 4096;
        while (cap < ex->body_len + len + 1)
            cap *= 2;
        char *grown = realloc(ex->body, cap);
        if (grown == NULL) {
            ex->body_failed = true;
            return;
        }
        ex->body = grown;
        ex->body_cap = cap;
    }
    memcpy(ex->body + ex->body_len, data, len);
    ex->body_len += len;
    ex->body[ex->body_len] = '\0';
}

/* The first call for a request: route it, and decide where its body goes
 * and how large it may be. False when the reply is already decided. */
/* Sums the bytes of the request's header lines. */
static enum MHD_Result add_header_size(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
    (void)kind;
    *(size_t *)cls += strlen(key) + (value != NULL ? strlen(value) : 0) + 4;
    return MHD_YES;
}

static bool start_request(struct server *srv, struct MHD_Connection *connection,
                          struct exchange *ex, const char *method, struct reply *rep)
{
    text_copy(ex->method, sizeof ex->method, method);
    /* Below libmicrohttpd's own per-connection memory limit (which answers
     * bigger requests itself, with a bare body), these answer as problems. */
    size_t head_max = (size_t)srv->cfg.max_request_head;
    size_t target_bytes = strlen(ex->target);
    if (target_bytes > head_max) {
        char detail[96];
        snprintf(detail, sizeof detail, "the request target is longer than %zu bytes", head_max);
        reply_problem(rep, 414, NULL, detail);
        return false;
    }
    size_t header_bytes = 0;
    MHD_get_connection_values(connection, MHD_HEADER_KIND, add_header_size, &header_bytes);
    if (target_bytes + header_bytes > head_max) {
        char detail[96];
        snprintf(detail, sizeof detail,
                 "the request target and headers are larger than %zu bytes together", head_max);
        reply_problem(rep, 431, NULL, detail);
        return false;
    }
    const char *question = strchr(ex->target, '?');
    size_t path_len = question ? (size_t)(question - ex->target) : strlen(ex->target);
    ex->raw_path = strndup(ex->target, path_len);
    if (ex->raw_path == NULL) {
        reply_problem(rep, 500, NULL, "out of memory");
        return false;
    }
    ex->routed = router_match(routes, route_count, ex->method, ex->raw_path, &ex->match);
    /* The API wins any clash; with --no-dashboard the dashboard's paths are
     * as unknown as any other. */
    if (ex->routed == ROUTE_NOT_FOUND && !srv->cfg.no_dashboard)
        ex->routed = router_match(dashboard_routes, dashboard_route_count, ex->method,
                                  ex->raw_path, &ex->match);
    const struct route *route = ex->routed == ROUTE_FOUND ? ex->match.route : NULL;
    ex->metric_route = route != NULL ? route : ex->match.path_route;

    /* The client's id when it is one we can echo and log safely; a bad one
     * is refused (under an id of ours) rather than silently replaced, so
     * the caller learns why its id never shows up. */
    const char *given_id = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "X-Request-Id");
    if (given_id != NULL && request_id_is_valid(given_id)) {
        text_copy(ex->request_id, sizeof ex->request_id, given_id);
    } else {
        request_id_generate(ex->request_id, sizeof ex->request_id);
        if (given_id != NULL) {
            reply_problem(rep, 400, "X-Request-Id",
                          "must be 1 to 128 printable ASCII characters");
            return false;
        }
    }
    /* GET and HEAD read; every other method changes something. */
    ex->is_write = strcmp(ex->method, "GET") != 0 && strcmp(ex->method, "HEAD") != 0 &&
                   strcmp(ex->method, "OPTIONS") != 0;
    bool spool = route != NULL && (route->flags & ROUTE_NDJSON_UPLOAD);
    /* Only a routed write has a body worth reading; any other body is
     * refused rather than buffered. */
    bool takes_body = route != NULL && ex->is_write && strcmp(ex->method, "DELETE") != 0;
    ex->body_limit = !takes_body ? 0 : spool ? srv->cfg.max_import : srv->cfg.max_body;
    text_copy(ex->client, sizeof ex->client, "anonymous");

    /* A body sent to no endpoint is not read: say where the client went
     * wrong at once (the connection then closes, which drops the body). */
    const char *length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *chunked = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                      MHD_HTTP_HEADER_TRANSFER_ENCODING);
    bool has_body = (length != NULL && strtoull(length, NULL, 10) > 0) || chunked != NULL;
    if (route == NULL && has_body) {
        routing_problem(ex, rep);
        return false;
    }

    /* Who is asking is settled before a byte of the body is read, so a
     * client without a key cannot make the server receive an upload. */
    if (route != NULL && !(route->flags & ROUTE_PUBLIC)) {
        struct request who = {.method = ex->method, .store = srv->store,
                              .header = request_header, .transport = connection,
                              .db = store_reader(srv->store)};
        if (who.db == NULL) {
            reply_header(rep, "Retry-After", "1");
            reply_problem(rep, 503, NULL, "the database cannot be opened; see the server log");
            return false;
        }
        if (!auth_check(&who, rep, ex->is_write, srv->cfg.auth_all))
            return false;
        auth_client(&who, ex->client, sizeof ex->client);
    }
    if (spool) {
        const char *type = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                       MHD_HTTP_HEADER_CONTENT_TYPE);
        size_t type_len = type != NULL ? strcspn(type, "; \t") : 0;
        if (type_len != strlen("application/x-ndjson") ||
            strncasecmp(type, "application/x-ndjson", type_len) != 0) {
            reply_problem(rep, 415, "Content-Type",
                          "send the records as application/x-ndjson, one JSON object a line");
            return false;
        }
    }

    /* Refuse an announced oversized body before reading any of it. */
    if (length != NULL && strtoull(length, NULL, 10) > ex->body_limit) {
        reply_problem(rep, 413, NULL, "the request body is larger than the server accepts");
        return false;
    }
    /* A bulk upload goes to an unlinked temporary file: its size is bounded
     * by the disk, not by memory. */
    if (spool && (ex->body_file = tmpfile()) == NULL) {
        reply_header(rep, "Retry-After", "5");
        reply_problem(rep, 503, NULL, "no room to receive the upload");
        return false;
    }
    return true;
}

static enum MHD_Result handle_call(struct server *srv, struct MHD_Connection *connection,
                                   const char *method, const char *upload_data,
                                   size_t *upload_data_size, void **req_cls)
{
    struct exchange *ex = *req_cls;
    struct reply rep = {0};

    if (ex == NULL || ex->target == NULL)
        return MHD_NO; /* out of memory at the request line */

    /* libmicrohttpd 0.9.75 answers a response queued on the first call as an
     * early reply and closes the connection, so the first call only marks
     * the request; the reply is queued on a later call (an early refusal
     * of the whole body excepted: closing is right then). */
    if (!ex->body_phase) {
        ex->body_phase = true;
        if (!start_request(srv, connection, ex, method, &rep))
            return send_reply(connection, ex, &rep);
        return MHD_YES;
    }
    if (ex->answer_pending) {
        /* Called again once run_slow_read or run_write_batch resumed the
         * connection. */
        ex->answer_pending = false;
        atomic_fetch_sub(&srv->suspended, 1);
        return send_reply(connection, ex, &ex->later_reply);
    }
    if (*upload_data_size > 0) {
        append_body(ex, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (ex->status != 0)
        return MHD_YES; /* already answered (an early refusal) */

    if (ex->body_too_large) {
        reply_problem(&rep, 413, NULL, "the request body is larger than the server accepts");
    } else if (ex->body_failed) {
        reply_header(&rep, "Retry-After", "5");
        reply_problem(&rep, 503, NULL, "the upload could not be kept; retry later");
    } else {
        if (ex->body_file != NULL && (fflush(ex->body_file) != 0 || fseek(ex->body_file, 0, SEEK_SET) != 0))
            reply_problem(&rep, 503, NULL, "the upload could not be read back");
        else if (!dispatch(srv, connection, ex, &rep))
            return MHD_YES; /* suspended until a slow-read or write thread answers */
    }
    return send_reply(connection, ex, &rep);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    (void)url;
    (void)version;
    struct server *srv = cls;
    enum MHD_Result result =
        handle_call(srv, connection, method, upload_data, upload_data_size, req_cls);
    /* Whatever this call read, the worker's reader rests until the next. */
    store_reader_park(srv->store);
    return result;
}

/* The gauges only the daemon knows, read at scrape time. */
static void sample_gauges(void *ctx, struct metrics_gauges *out)
{
    struct server *srv = ctx;
    out->in_flight = atomic_load(&srv->in_flight);
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    out->connections = info != NULL ? (int64_t)info->num_connections : 0;
    store_documents_counts(srv->store, &out->documents_served, &out->documents_kept);
}

/* libmicrohttpd's own messages: its formats, forwarded with their va_list. */
static void on_mhd_error(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char message[512];
    vsnprintf(message, sizeof message, fmt, ap);
    size_t n = strlen(message);
    while (n > 0 && (message[n - 1] == '\n' || message[n - 1] == '\r'))
        message[--n] = '\0';
    log_error("http", "%s", message);
}

struct server *server_start(const struct config *cfg, struct store *store)
{
    struct server *srv = calloc(1, sizeof *srv);
    struct sockaddr_in v4 = {0};
    struct sockaddr_in6 v6 = {0};
    const struct sockaddr *addr;
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
                         MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;

    if (srv == NULL)
        return NULL;
    srv->cfg = *cfg;
    srv->store = store;
    atomic_init(&srv->in_flight, 0);
    atomic_init(&srv->suspended, 0);
    srv->metrics = metrics_new(cfg->db_path);
    if (srv->metrics == NULL || !metrics_add_routes(srv->metrics, routes, route_count) ||
        !metrics_add_routes(srv->metrics, dashboard_routes, dashboard_route_count) ||
        !metrics_set_token(srv->metrics, cfg->metrics_token))
        goto fail;
    metrics_set_sampler(srv->metrics, sample_gauges, srv);
    srv->cache = response_cache_new((size_t)cfg->response_cache_entries, RESPONSE_CACHE_MAX_BODY,
                                    RESPONSE_CACHE_MAX_BYTES);
    if (cfg->response_cache_entries > 0 && srv->cache == NULL)
        goto fail;
    /* As many slow-read threads as workers: on a busy machine they share
     * the cores with the workers, which keep answering meanwhile. */
    srv->slow_reads = offload_start((unsigned)(cfg->threads > 1 ? cfg->threads : 1),
                                    cfg->slow_reads_queued);
    if (srv->slow_reads == NULL)
        goto fail;
    srv->writes = offload_start_batches(cfg->writes_queued, WRITE_BATCH_MAX, run_write_batch, srv);
    if (srv->writes == NULL)
        goto fail;

    if (strchr(cfg->listen_host, ':') != NULL) {
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(cfg->port);
        if (inet_pton(AF_INET6, cfg->listen_host, &v6.sin6_addr) != 1)
            goto fail;
        addr = (const struct sockaddr *)&v6;
        flags |= MHD_USE_IPv6;
    } else {
        v4.sin_family = AF_INET;
        v4.sin_port = htons(cfg->port);
        if (inet_pton(AF_INET, cfg->listen_host, &v4.sin_addr) != 1)
            goto fail;
        addr = (const struct sockaddr *)&v4;
    }

    srv->daemon = MHD_start_daemon(
        flags, cfg->port, NULL, NULL, on_request, srv,
        /* First, so libmicrohttpd's own messages already go through it. */
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, NULL,
        MHD_OPTION_SOCK_ADDR, addr,
        MHD_OPTION_URI_LOG_CALLBACK, on_request_line, srv,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        /* One poller per worker; each worker keeps its own read connection. */
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)(cfg->threads > 1 ? cfg->threads : 0),
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->connection_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->connection_limit,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)cfg->connections_per_client,
        /* No more than a head needs: libmicrohttpd zeroes a connection's
         * whole memory after every request, so its default 32 KiB cost the
         * article read a tenth of its CPU at 256 connections. */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)cfg->max_request_head + REQUEST_HEAD_ROOM,
        /* Reject malformed HTTP rather than guess what the client meant. */
        MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
        MHD_OPTION_END);
    if (srv->daemon == NULL) {
        log_error("http", "cannot listen on %s port %u", cfg->listen_host, cfg->port);
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info != NULL ? info->port : cfg->port;
    store_set_write_observer(store, metrics_write_done, srv->metrics);
    return srv;
fail:
    offload_free(srv->writes);
    offload_free(srv->slow_reads);
    response_cache_free(srv->cache);
    metrics_free(srv->metrics);
    free(srv);
    return NULL;
}

unsigned short server_port(const struct server *srv)
{
    return srv->port;
}

void server_stop(struct server *srv, int grace_ms)
{
    if (srv == NULL)
        return;
    /* Stop accepting first, then give requests in flight time to finish
     * before the daemon closes what is left (idle keep-alive connections). */
    MHD_socket listener = MHD_quiesce_daemon(srv->daemon);
    for (int waited = 0; atomic_load(&srv->in_flight) > 0 && waited < grace_ms; waited += 10)
        usleep(10 * 1000);
    /* Slow reads and writes still queued are answered, and their
     * connections handed back, before the daemon goes: libmicrohttpd must
     * not be stopped with a connection suspended. The workers are still
     * running to take them, and from the drain on they build any slow read
     * and run any write themselves (keep-alive clients still send some), so
     * none is suspended again. */
    offload_drain(srv->writes);
    offload_drain(srv->slow_reads);
    for (int waited = 0; atomic_load(&srv->suspended) > 0 && waited < 2000; waited++)
        usleep(1000);
    MHD_stop_daemon(srv->daemon);
    offload_free(srv->writes);
    offload_free(srv->slow_reads);
    /* After quiescing, the listening socket is ours to close. */
    if (listener != MHD_INVALID_SOCKET)
        close(listener);
    /* The store outlives the server: it must stop reporting to it. */
    store_set_write_observer(srv->store, NULL, NULL);
    metrics_free(srv->metrics);
    response_cache_free(srv->cache);
    free(srv);
}
