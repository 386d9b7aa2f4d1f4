#include "handlers/quotes.h"

#include "db/quotes.h"
#include "handlers/params.h"
#include "handlers/records.h"
#include "handlers/search.h"

int handle_quote_list(const struct request *req, struct reply *rep)
{
    static const char *const allowed[] = {"limit", "cursor", "speaker", "article", "q", NULL};
    struct quote_filter filter = {0};
    struct keyset after, next;
    json_t *items = NULL;
    int limit;

    if (!params_only(req, rep, allowed) || !params_limit(req, rep, &limit) ||
        !params_cursor(req, rep, "quotes", NULL, &after) ||
        !params_ref(req, rep, "speaker", KIND_ENTITY, &filter.speaker_id) ||
        !params_ref(req, rep, "article", KIND_ARTICLE, &filter.article_id) ||
        !search_query_param(req, rep, false, &filter.q))
        return rep->status;

    enum db_status rc = db_quote_list(req->db, &filter, &after, limit, &items, &next);
    if (rc == DB_INVALID)
        return search_reply_refused(rep);
    if (rc != DB_OK)
        return reply_db_error(rep, rc, "quote");
    return reply_page(rep, items, "quotes", &next);
}

int handle_quote_get(const struct request *req, struct reply *rep)
{
    return records_get(req, rep, KIND_QUOTE);
}

int handle_quote_create(const struct request *req, struct reply *rep)
{
    return records_create(req, rep, KIND_QUOTE);
}

int handle_quote_patch(const struct request *req, struct reply *rep)
{
    return records_patch(req, rep, KIND_QUOTE);
}

int handle_quote_delete(const struct request *req, struct reply *rep)
{
    return records_delete(req, rep, KIND_QUOTE);
}
