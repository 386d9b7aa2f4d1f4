#pragma once
#include "server/reply.h"
#include "server/request.h"

/* GET /v1/entities: filters type, q (name or alias prefix), sort=name|mentions. */
int handle_entity_list(const struct request *req, struct reply *rep);

/* GET /v1/entities/{id}: the entity with its articles, quotes and agreements. */
int handle_entity_get(const struct request *req, struct reply *rep);
