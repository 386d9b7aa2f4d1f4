#pragma once
/* Agreement queries. */

#include "db/db.h"

struct agreement_filter {
    int64_t party_id;     /* agreements this entity is party to, or 0 */
    int64_t signatory_id; /* agreements this entity signed, or 0 */
    const char *kind;     /* memorandum|treaty|accord|plan|deal|agreement, or NULL */
    const char *status;   /* proposed|signed|..., or NULL */
    const char *since;    /* YYYY-MM-DD on signed_on, or NULL */
    const char *until;    /* YYYY-MM-DD on signed_on, or NULL */
};

/* A page of agreements, latest signed first, undated ones last. */
enum db_status db_agreement_list(struct db *db, const struct agreement_filter *filter,
                                 const struct keyset *after, int limit, json_t **items,
                                 struct keyset *next);

/* The agreement with parties, signatories, what it supersedes, what
 * supersedes it and the articles reporting it (caller owns). */
enum db_status db_agreement_get(struct db *db, int64_t id, json_t **out);
