#pragma once
#include "server/reply.h"
#include "server/request.h"

/* GET /v1/entities: filters type, q (name or alias prefix), sort=name|mentions. */
int handle_entity_list(const struct request *req, struct reply *rep);

/* GET /v1/entities/{id}: the entity with its articles, quotes and agreements. */
int handle_entity_get(const struct request *req, struct reply *rep);

/* POST /v1/entities, PATCH and DELETE /v1/entities/{id}: see handlers/records.h. */
int handle_entity_create(const struct request *req, struct reply *rep);
int handle_entity_patch(const struct request *req, struct reply *rep);
int handle_entity_delete(const struct request *req, struct reply *rep);

/* POST /v1/entities/{id}/aliases {"aliases": [names]}: 200 with the entity. */
int handle_entity_add_aliases(const struct request *req, struct reply *rep);

/* POST /v1/entities/{id}/merge {"into": id-or-slug}: moves everything of
 * this entity to the other, keeps its names as aliases there, deletes it;
 * 200 with the entity merged into. */
int handle_entity_merge(const struct request *req, struct reply *rep);
