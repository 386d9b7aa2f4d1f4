#include "handlers/search.h"

#include "db/search.h"
#include "handlers/params.h"

static const char *const search_types[] = {"article", "quote", "entity", NULL};

bool search_query_param(const struct request *req, struct reply *rep, bool is_required,
                        const char **q)
{
    char match[SEARCH_MATCH_MAX], why[256];

    *q = query_get(req->query, "q");
    if (*q == NULL) {
        if (!is_required)
            return true;
        reply_problem(rep, 400, "q", "is required: the words to search for");
        return false;
    }
    if (db_search_compile(*q, match, sizeof match, why, sizeof why) != DB_OK) {
        reply_problem(rep, 400, "q", why);
        return false;
    }
    return true;
}

int search_reply_refused(struct reply *rep)
{
    /* The query passed our syntax, so this is a limit of the index; it is
     * still the query's doing, never the server's. */
    return reply_problem(rep, 400, "q", "cannot be answered by the search index; simplify it");
}

int handle_search(const struct request *req, struct reply *rep)
{
    static const char *const allowed[] = {"q", "type", "limit", "cursor", NULL};
    struct keyset after, next;
    const char *q, *type;
    json_t *items = NULL;
    bool capped = false;
    int limit;

    if (!params_only(req, rep, allowed) || !search_query_param(req, rep, true, &q) ||
        !params_enum(req, rep, "type", search_types, &type) || !params_limit(req, rep, &limit) ||
        !params_cursor(req, rep, "search", db_search_is_key, &after))
        return rep->status;

    enum db_status rc = db_search(req->db, q, type, &after, limit, &items, &next, &capped);
    if (rc == DB_INVALID)
        return search_reply_refused(rep);
    if (rc != DB_OK)
        return reply_db_error(rep, rc, "record");
    /* Says how much was ranked, so a client can tell "the best of all
     * matches" from "the best of the newest" and narrow its query. */
    return reply_page_with(rep, items, "search", &next,
                           json_pack("{s:{s:i, s:b}}", "basis", "recent_matches",
                                     SEARCH_CANDIDATES, "complete", !capped));
}
