#include "handlers/ops.h"

#include <stdlib.h>
#include <string.h>

#include "handlers/params.h"
#include "server/metrics.h"

/* docs/openapi.json, embedded by data/embed.py. */
extern const unsigned char openapi_json[];
extern const size_t openapi_json_len;

static const char *const no_params[] = {NULL};

/* Hands `text` (malloc'd, taken) to the reply as its body. */
static int reply_owned_text(struct reply *rep, char *text, size_t len, const char *type)
{
    free(rep->body);
    rep->body = text;
    rep->body_len = len;
    rep->content_type = type;
    rep->status = 200;
    return 200;
}

int handle_metrics(const struct request *req, struct reply *rep)
{
    if (!params_only(req, rep, no_params))
        return rep->status;
    if (!metrics_may_scrape(req->metrics, req->header(req, "Authorization"))) {
        reply_problem(rep, 401, NULL, "metrics need the metrics token: send Authorization: "
                                      "Bearer <token>");
        reply_header(rep, "WWW-Authenticate", "Bearer realm=\"wirebase-metrics\"");
        return rep->status;
    }
    size_t len = 0;
    char *text = metrics_render(req->metrics, &len);
    if (text == NULL)
        return reply_problem(rep, 500, NULL, "the metrics could not be rendered");
    return reply_owned_text(rep, text, len, METRICS_CONTENT_TYPE);
}

int handle_openapi(const struct request *req, struct reply *rep)
{
    if (!params_only(req, rep, no_params))
        return rep->status;
    /* The reply owns its body and the server frees it once sent, so the
     * embedded document is copied. */
    char *copy = malloc(openapi_json_len);
    if (copy == NULL)
        return reply_problem(rep, 500, NULL, "out of memory");
    memcpy(copy, openapi_json, openapi_json_len);
    return reply_owned_text(rep, copy, openapi_json_len, "application/json");
}
