#include "server/routes.h"

#include "handlers/agreements.h"
#include "handlers/articles.h"
#include "handlers/entities.h"
#include "handlers/meta.h"
#include "handlers/quotes.h"

const struct route routes[] = {
    {"GET", "/v1/articles", handle_article_list},
    {"GET", "/v1/articles/{id}", handle_article_get},
    {"GET", "/v1/entities", handle_entity_list},
    {"GET", "/v1/entities/{id}", handle_entity_get},
    {"GET", "/v1/agreements", handle_agreement_list},
    {"GET", "/v1/agreements/{id}", handle_agreement_get},
    {"GET", "/v1/quotes", handle_quote_list},
    {"GET", "/v1/quotes/{id}", handle_quote_get},
    {"GET", "/healthz", handle_healthz},
    {"GET", "/readyz", handle_readyz},
    {"GET", "/version", handle_version},
};

const size_t route_count = sizeof routes / sizeof routes[0];
