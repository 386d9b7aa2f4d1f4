#pragma once
#include "server/reply.h"
#include "server/request.h"

/* GET /v1/quotes: filters speaker, article and q (a search query,
 * handlers/search.h). */
int handle_quote_list(const struct request *req, struct reply *rep);

/* GET /v1/quotes/{id}. */
int handle_quote_get(const struct request *req, struct reply *rep);

/* POST /v1/quotes, PATCH and DELETE /v1/quotes/{id}: see handlers/records.h. */
int handle_quote_create(const struct request *req, struct reply *rep);
int handle_quote_patch(const struct request *req, struct reply *rep);
int handle_quote_delete(const struct request *req, struct reply *rep);
