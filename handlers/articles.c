#include "handlers/articles.h"

#include "db/articles.h"
#include "db/text.h"
#include "handlers/params.h"
#include "handlers/records.h"
#include "handlers/search.h"

static bool is_article_key(const char *key)
{
    return text_is_timestamp(key);
}

int handle_article_list(const struct request *req, struct reply *rep)
{
    static const char *const allowed[] = {"limit", "cursor", "source", "entity", "agreement",
                                          "since", "until", "q", NULL};
    struct article_filter filter = {0};
    struct keyset after, next;
    json_t *items = NULL;
    int limit;

    if (!params_only(req, rep, allowed) || !params_limit(req, rep, &limit) ||
        !params_cursor(req, rep, "articles", is_article_key, &after) ||
        !params_text(req, rep, "source", 200, &filter.source) ||
        !params_ref(req, rep, "entity", KIND_ENTITY, &filter.entity_id) ||
        !params_ref(req, rep, "agreement", KIND_AGREEMENT, &filter.agreement_id) ||
        !params_date_range(req, rep, &filter.since, &filter.until) ||
        !search_query_param(req, rep, false, &filter.q))
        return rep->status;

    enum db_status rc = db_article_list(req->db, &filter, &after, limit, &items, &next);
    if (rc == DB_INVALID)
        return search_reply_refused(rep);
    if (rc != DB_OK)
        return reply_db_error(rep, rc, "article");
    return reply_page(rep, items, "articles", &next);
}

int handle_article_get(const struct request *req, struct reply *rep)
{
    return records_get(req, rep, KIND_ARTICLE);
}

int handle_article_create(const struct request *req, struct reply *rep)
{
    return records_create(req, rep, KIND_ARTICLE);
}

int handle_article_patch(const struct request *req, struct reply *rep)
{
    return records_patch(req, rep, KIND_ARTICLE);
}

int handle_article_delete(const struct request *req, struct reply *rep)
{
    return records_delete(req, rep, KIND_ARTICLE);
}
