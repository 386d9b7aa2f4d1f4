#pragma once
#include <stdbool.h>

#include "server/reply.h"
#include "server/request.h"

/* GET /v1/search?q=&type=&limit=&cursor=: ranked hits over articles, quotes
 * and entities (see db/search.h for the query syntax and the hit shape);
 * keyset pages. q is required; a malformed q is 400 naming q. */
int handle_search(const struct request *req, struct reply *rep);

/* The search query parameter `q`, checked as params_* check theirs: stores
 * it (NULL when absent and not is_required) and returns true, or writes a
 * 400 naming q that says what is wrong and returns false. For the lists
 * that q filters too. */
bool search_query_param(const struct request *req, struct reply *rep, bool is_required,
                        const char **q);

/* The 400 for a query the index refused at run time (db_* returned
 * DB_INVALID after search_query_param accepted it). Returns the status. */
int search_reply_refused(struct reply *rep);
