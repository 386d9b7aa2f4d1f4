#pragma once
#include "server/reply.h"
#include "server/request.h"

/* GET /v1/articles: newest first, filters source, entity, agreement,
 * since, until and q (a search query, handlers/search.h); keyset pages. */
int handle_article_list(const struct request *req, struct reply *rep);

/* GET /v1/articles/{id}: one article by id or slug, with its entities,
 * quotes and agreements. */
int handle_article_get(const struct request *req, struct reply *rep);

/* POST /v1/articles, PATCH and DELETE /v1/articles/{id}: see handlers/records.h. */
int handle_article_create(const struct request *req, struct reply *rep);
int handle_article_patch(const struct request *req, struct reply *rep);
int handle_article_delete(const struct request *req, struct reply *rep);
