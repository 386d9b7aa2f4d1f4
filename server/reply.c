#include "server/reply.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/log.h"

static void set_body(struct reply *rep, char *body, const char *content_type)
{
    free(rep->body);
    rep->body = body;
    rep->body_len = body ? strlen(body) : 0;
    rep->content_type = content_type;
}

/* The last-resort body when even building a problem fails. */
static void set_static_error(struct reply *rep)
{
    static const char text[] = "{\"type\":\"/problems/internal-error\",\"title\":\"Internal error\","
                               "\"status\":500,\"detail\":\"the server could not build its answer\"}";
    rep->status = 500;
    set_body(rep, strdup(text), "application/problem+json");
}

int reply_json(struct reply *rep, int status, const json_t *value)
{
    /* COMPACT keeps bodies small; jansson writes UTF-8 as is (no
     * ENSURE_ASCII), matching the charset we declare. */
    char *text = json_dumps(value, JSON_COMPACT);
    if (text == NULL) {
        log_error("reply", "cannot serialize a %d response", status);
        set_static_error(rep);
        return rep->status;
    }
    rep->status = status;
    set_body(rep, text, "application/json");
    return status;
}

int reply_json_text(struct reply *rep, int status, char *text, size_t len)
{
    free(rep->body);
    rep->body = text;
    rep->body_len = len;
    rep->content_type = "application/json";
    rep->status = status;
    return status;
}

int reply_bytes(struct reply *rep, int status, const void *data, size_t len,
                const char *content_type)
{
    /* The reply owns its body (libmicrohttpd frees it once sent), so even
     * bytes that live for the whole process are copied. */
    char *copy = malloc(len > 0 ? len : 1);
    if (copy == NULL) {
        log_error("reply", "out of memory for a %zu-byte body", len);
        set_static_error(rep);
        return rep->status;
    }
    if (len > 0)
        memcpy(copy, data, len);
    free(rep->body);
    rep->body = copy;
    rep->body_len = len;
    rep->content_type = content_type;
    rep->status = status;
    return status;
}

struct problem_kind {
    int status;
    const char *type;
    const char *title;
};

/* `type` and `title` name the class of problem for programs; `detail`
 * explains this occurrence to people. */
static const struct problem_kind problem_kinds[] = {
    {400, "/problems/invalid-request", "Invalid request"},
    {401, "/problems/unauthorized", "Unauthorized"},
    {403, "/problems/forbidden", "Forbidden"},
    {404, "/problems/not-found", "Not found"},
    {405, "/problems/method-not-allowed", "Method not allowed"},
    {406, "/problems/not-acceptable", "Not acceptable"},
    {409, "/problems/conflict", "Conflict"},
    {412, "/problems/precondition-failed", "Precondition failed"},
    {413, "/problems/body-too-large", "Request body too large"},
    {414, "/problems/uri-too-long", "URI too long"},
    {415, "/problems/unsupported-media-type", "Unsupported media type"},
    {422, "/problems/unprocessable", "Unprocessable content"},
    {431, "/problems/headers-too-large", "Request headers too large"},
    {500, "/problems/internal-error", "Internal error"},
    {503, "/problems/unavailable", "Service unavailable"},
    {507, "/problems/insufficient-storage", "Insufficient storage"},
};

int reply_problem(struct reply *rep, int status, const char *field, const char *detail)
{
    return reply_problem_with(rep, status, field, detail, NULL);
}

int reply_problem_with(struct reply *rep, int status, const char *field, const char *detail,
                       json_t *extra)
{
    const char *type = "about:blank", *title = "Error";
    for (size_t i = 0; i < sizeof problem_kinds / sizeof problem_kinds[0]; i++) {
        if (problem_kinds[i].status == status) {
            type = problem_kinds[i].type;
            title = problem_kinds[i].title;
        }
    }
    /* A bad parameter is its own class, so clients can branch on it. */
    if (status == 400 && field != NULL) {
        type = "/problems/invalid-parameter";
        title = "Invalid parameter";
    }
    json_t *problem = json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title", title, "status",
                                status, "detail", detail);
    if (problem != NULL && field != NULL)
        json_object_set_new(problem, "errors",
                            json_pack("[{s:s, s:s}]", "field", field, "message", detail));
    if (problem != NULL && extra != NULL)
        json_object_update(problem, extra);
    json_decref(extra);
    char *text = problem ? json_dumps(problem, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(problem);
    if (text == NULL) {
        set_static_error(rep);
        return rep->status;
    }
    rep->status = status;
    set_body(rep, text, "application/problem+json");
    return status;
}

bool reply_has_header(const struct reply *rep, const char *name)
{
    for (size_t i = 0; i < rep->header_count; i++)
        if (strcasecmp(rep->headers[i].name, name) == 0)
            return true;
    return false;
}

void reply_header(struct reply *rep, const char *name, const char *value)
{
    if (rep->header_count == REPLY_MAX_HEADERS) {
        log_error("reply", "too many headers; dropped %s", name);
        return;
    }
    struct reply_header *h = &rep->headers[rep->header_count];
    h->name = strdup(name);
    h->value = strdup(value);
    if (h->name == NULL || h->value == NULL) {
        free(h->name);
        free(h->value);
        return;
    }
    rep->header_count++;
}

void reply_free(struct reply *rep)
{
    free(rep->body);
    free(rep->next_cursor);
    if (rep->stream.free != NULL)
        rep->stream.free(rep->stream.ctx);
    for (size_t i = 0; i < rep->header_count; i++) {
        free(rep->headers[i].name);
        free(rep->headers[i].value);
    }
    memset(rep, 0, sizeof *rep);
}
