#include "handlers/quotes.h"

#include "db/quotes.h"
#include "handlers/params.h"
#include "handlers/writes.h"

int handle_quote_list(const struct request *req, struct reply *rep)
{
    static const char *const allowed[] = {"limit", "cursor", "speaker", "article", NULL};
    struct quote_filter filter = {0};
    struct keyset after, next;
    json_t *items = NULL;
    int limit;

    if (!params_only(req, rep, allowed) || !params_limit(req, rep, &limit) ||
        !params_cursor(req, rep, "quotes", NULL, &after) ||
        !params_ref(req, rep, "speaker", KIND_ENTITY, &filter.speaker_id) ||
        !params_ref(req, rep, "article", KIND_ARTICLE, &filter.article_id))
        return rep->status;

    enum db_status rc = db_quote_list(req->db, &filter, &after, limit, &items, &next);
    if (rc != DB_OK)
        return reply_db_error(rep, rc, "quote");
    return reply_page(rep, items, "quotes", &next);
}

int handle_quote_get(const struct request *req, struct reply *rep)
{
    static const char *const allowed[] = {NULL};
    json_t *quote = NULL;
    int64_t id;

    if (!params_only(req, rep, allowed) || !params_path_ref(req, rep, KIND_QUOTE, &id))
        return rep->status;

    enum db_status rc = db_quote_get(req->db, id, &quote);
    if (rc != DB_OK)
        return reply_db_error(rep, rc, "quote");
    write_set_etag(rep, req->db, KIND_QUOTE, id);
    int status = reply_json(rep, 200, quote);
    json_decref(quote);
    return status;
}

int handle_quote_create(const struct request *req, struct reply *rep)
{
    return write_create(req, rep, KIND_QUOTE);
}

int handle_quote_patch(const struct request *req, struct reply *rep)
{
    return write_patch(req, rep, KIND_QUOTE);
}

int handle_quote_delete(const struct request *req, struct reply *rep)
{
    return write_delete(req, rep, KIND_QUOTE);
}
