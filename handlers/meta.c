#include "handlers/meta.h"

#include "handlers/params.h"

static const char *const no_params[] = {NULL};

int handle_healthz(const struct request *req, struct reply *rep)
{
    if (!params_only(req, rep, no_params))
        return rep->status;
    json_t *body = json_pack("{s:s}", "status", "ok");
    int status = reply_json(rep, 200, body);
    json_decref(body);
    return status;
}

int handle_readyz(const struct request *req, struct reply *rep)
{
    if (!params_only(req, rep, no_params))
        return rep->status;
    if (req->db == NULL || !db_ping(req->db)) {
        reply_header(rep, "Retry-After", "1");
        return reply_problem(rep, 503, NULL, "the database does not answer");
    }
    json_t *body = json_pack("{s:s}", "status", "ready");
    int status = reply_json(rep, 200, body);
    json_decref(body);
    return status;
}

int handle_version(const struct request *req, struct reply *rep)
{
    if (!params_only(req, rep, no_params))
        return rep->status;
    json_t *body = json_pack("{s:s, s:s, s:i}", "name", "wirebase", "version", WIREBASE_VERSION,
                             "schema", req->db ? db_schema_version(req->db) : -1);
    int status = reply_json(rep, 200, body);
    json_decref(body);
    return status;
}
