#include "handlers/agreements.h"

#include "db/agreements.h"
#include "db/text.h"
#include "db/vocabulary.h"
#include "handlers/params.h"
#include "handlers/records.h"


/* Undated agreements carry an empty key: they sort last. */
static bool is_agreement_key(const char *key)
{
    return key[0] == '\0' || text_is_date(key);
}

int handle_agreement_list(const struct request *req, struct reply *rep)
{
    static const char *const allowed[] = {"limit", "cursor", "party", "signatory", "kind",
                                          "status", "since", "until", NULL};
    struct agreement_filter filter = {0};
    struct keyset after, next;
    json_t *items = NULL;
    int limit;

    if (!params_only(req, rep, allowed) || !params_limit(req, rep, &limit) ||
        !params_cursor(req, rep, "agreements", is_agreement_key, &after) ||
        !params_ref(req, rep, "party", KIND_ENTITY, &filter.party_id) ||
        !params_ref(req, rep, "signatory", KIND_ENTITY, &filter.signatory_id) ||
        !params_enum(req, rep, "kind", db_agreement_kinds, &filter.kind) ||
        !params_enum(req, rep, "status", db_agreement_statuses, &filter.status) ||
        !params_date_range(req, rep, &filter.since, &filter.until))
        return rep->status;

    enum db_status rc = db_agreement_list(req->db, &filter, &after, limit, &items, &next);
    if (rc != DB_OK)
        return reply_db_error(rep, rc, "agreement");
    return reply_page(rep, items, "agreements", &next);
}

int handle_agreement_get(const struct request *req, struct reply *rep)
{
    return records_get(req, rep, KIND_AGREEMENT);
}

int handle_agreement_create(const struct request *req, struct reply *rep)
{
    return records_create(req, rep, KIND_AGREEMENT);
}

int handle_agreement_patch(const struct request *req, struct reply *rep)
{
    return records_patch(req, rep, KIND_AGREEMENT);
}

int handle_agreement_delete(const struct request *req, struct reply *rep)
{
    return records_delete(req, rep, KIND_AGREEMENT);
}
