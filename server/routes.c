#include "server/routes.h"

#include "handlers/agreements.h"
#include "handlers/articles.h"
#include "handlers/entities.h"
#include "handlers/meta.h"
#include "handlers/quotes.h"

const struct route routes[] = {
    {"GET", "/v1/articles", handle_article_list},
    {"POST", "/v1/articles", handle_article_create},
    {"GET", "/v1/articles/{id}", handle_article_get},
    {"PATCH", "/v1/articles/{id}", handle_article_patch},
    {"DELETE", "/v1/articles/{id}", handle_article_delete},
    {"GET", "/v1/entities", handle_entity_list},
    {"POST", "/v1/entities", handle_entity_create},
    {"GET", "/v1/entities/{id}", handle_entity_get},
    {"PATCH", "/v1/entities/{id}", handle_entity_patch},
    {"DELETE", "/v1/entities/{id}", handle_entity_delete},
    {"POST", "/v1/entities/{id}/aliases", handle_entity_add_aliases},
    {"POST", "/v1/entities/{id}/merge", handle_entity_merge},
    {"GET", "/v1/agreements", handle_agreement_list},
    {"POST", "/v1/agreements", handle_agreement_create},
    {"GET", "/v1/agreements/{id}", handle_agreement_get},
    {"PATCH", "/v1/agreements/{id}", handle_agreement_patch},
    {"DELETE", "/v1/agreements/{id}", handle_agreement_delete},
    {"GET", "/v1/quotes", handle_quote_list},
    {"POST", "/v1/quotes", handle_quote_create},
    {"GET", "/v1/quotes/{id}", handle_quote_get},
    {"PATCH", "/v1/quotes/{id}", handle_quote_patch},
    {"DELETE", "/v1/quotes/{id}", handle_quote_delete},
    {"GET", "/healthz", handle_healthz},
    {"GET", "/readyz", handle_readyz},
    {"GET", "/version", handle_version},
};

const size_t route_count = sizeof routes / sizeof routes[0];
