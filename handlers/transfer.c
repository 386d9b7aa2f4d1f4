#include "handlers/transfer.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/transfer.h"
#include "handlers/params.h"
#include "handlers/records.h"

/* Each export holds a connection and a snapshot for as long as its client
 * reads, so only a few run at once. */
#define EXPORTS_AT_ONCE 4
static atomic_int exports_running;

static const char *const import_modes[] = {"all", "partial", NULL};

int handle_import(const struct request *req, struct reply *rep)
{
    static const char *const allowed[] = {"mode", NULL};
    struct transfer_counts counts;
    struct record_error err;
    json_t *errors = NULL;
    const char *mode;
    long bad_line;

    if (!params_only(req, rep, allowed) || !params_enum(req, rep, "mode", import_modes, &mode))
        return rep->status;
    /* The server checked the Content-Type before receiving the upload. */
    if (req->body_file == NULL)
        return reply_problem(rep, 500, NULL, "the upload was not kept");

    bool partial = mode != NULL && strcmp(mode, "partial") == 0;
    enum db_status rc = db_import(req->store, req->body_file, partial, &counts, &errors,
                                  &bad_line, &err);
    if (rc == DB_READ_ONLY) {
        reply_header(rep, "Allow", "GET, HEAD");
        return reply_problem(rep, 405, NULL, "this server is read-only");
    }
    /* A line's fault, unless the store itself failed while taking it. */
    if (rc != DB_OK && bad_line > 0 && rc != DB_ERR && rc != DB_BUSY && rc != DB_FULL &&
        rc != DB_UNAVAILABLE) {
        char detail[480];
        snprintf(detail, sizeof detail, "line %ld: %s%s%s; nothing was imported", bad_line,
                 err.field, err.field[0] ? " " : "", err.message);
        json_t *extra = json_pack("{s:I, s:[{s:I, s:s, s:s}]}", "line", (json_int_t)bad_line,
                                  "errors", "line", (json_int_t)bad_line, "field",
                                  err.field[0] ? err.field : "line", "message", err.message);
        return reply_problem_with(rep, 422, NULL, detail, extra);
    }
    if (rc != DB_OK)
        return reply_db_error(rep, rc, "record");

    json_t *body = json_pack("{s:{s:i, s:i, s:i, s:i}, s:o}", "imported", "entities",
                             counts.entities, "articles", counts.articles, "quotes", counts.quotes,
                             "agreements", counts.agreements, "errors", errors);
    int status = reply_json(rep, 200, body);
    json_decref(body);
    return status;
}

/* The export streams line by line; `pending` holds what did not fit in the
 * last buffer libmicrohttpd offered. */
struct export_stream {
    struct db_export *ex;
    char *pending;
    size_t pending_len, pending_off;
    bool done;
};

static size_t export_read(void *ctx, char *buf, size_t max)
{
    struct export_stream *s = ctx;
    size_t n = 0;
    while (n < max) {
        if (s->pending_off < s->pending_len) {
            size_t take = s->pending_len - s->pending_off;
            if (take > max - n)
                take = max - n;
            memcpy(buf + n, s->pending + s->pending_off, take);
            s->pending_off += take;
            n += take;
            continue;
        }
        if (s->done)
            break;
        free(s->pending);
        s->pending = NULL;
        s->pending_len = s->pending_off = 0;
        enum db_status rc;
        json_t *line = db_export_next(s->ex, &rc);
        if (line == NULL) {
            s->done = true;
            /* A failure mid-stream cannot change the status any more:
             * cutting the connection tells the client it is incomplete. */
            if (rc != DB_OK)
                return REPLY_STREAM_ERROR;
            break;
        }
        char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(line);
        if (text == NULL)
            return REPLY_STREAM_ERROR;
        size_t len = strlen(text);
        s->pending = realloc(text, len + 2);
        if (s->pending == NULL) {
            free(text);
            return REPLY_STREAM_ERROR;
        }
        s->pending[len] = '\n';
        s->pending[len + 1] = '\0';
        s->pending_len = len + 1;
    }
    return n;
}

static void export_free(void *ctx)
{
    struct export_stream *s = ctx;
    db_export_close(s->ex);
    free(s->pending);
    free(s);
    atomic_fetch_sub(&exports_running, 1);
}

int handle_export(const struct request *req, struct reply *rep)
{
    static const char *const no_params[] = {NULL};
    if (!params_only(req, rep, no_params))
        return rep->status;
    if (atomic_fetch_add(&exports_running, 1) >= EXPORTS_AT_ONCE) {
        atomic_fetch_sub(&exports_running, 1);
        reply_header(rep, "Retry-After", "10");
        return reply_problem(rep, 503, NULL, "too many exports are running; retry shortly");
    }
    struct export_stream *s = calloc(1, sizeof *s);
    if (s != NULL)
        s->ex = db_export_open(req->store);
    if (s == NULL || s->ex == NULL) {
        free(s);
        atomic_fetch_sub(&exports_running, 1);
        return reply_db_error(rep, DB_ERR, "record");
    }
    rep->status = 200;
    rep->content_type = "application/x-ndjson";
    rep->stream = (struct reply_stream){export_read, export_free, s};
    reply_header(rep, "Content-Disposition", "attachment; filename=\"wirebase-export.ndjson\"");
    return 200;
}
