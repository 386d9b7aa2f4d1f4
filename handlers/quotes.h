#pragma once
#include "server/reply.h"
#include "server/request.h"

/* GET /v1/quotes: filters speaker, article. */
int handle_quote_list(const struct request *req, struct reply *rep);

/* GET /v1/quotes/{id}. */
int handle_quote_get(const struct request *req, struct reply *rep);
