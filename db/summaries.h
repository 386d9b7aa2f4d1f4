#pragma once
/* The short forms of each record that lists and embedded references share,
 * so an article looks the same in /v1/articles, in an entity and in an
 * agreement. Each *_COLUMNS selects the columns its row function reads, in
 * order, from the conventional alias (a = articles, e = entities,
 * g = agreements). */

#include "db/conn.h"

#define ARTICLE_SUMMARY_COLUMNS "a.id, a.slug, a.title, a.source, a.url, a.published_at, a.summary"
#define ARTICLE_SUMMARY_NCOLS 7
json_t *summary_article(sqlite3_stmt *st);

#define ENTITY_BRIEF_COLUMNS "e.id, e.slug, e.name, e.type"
#define ENTITY_BRIEF_NCOLS 4
json_t *summary_entity_brief(sqlite3_stmt *st);

#define AGREEMENT_BRIEF_COLUMNS "g.id, g.slug, g.title, g.kind, g.status, g.signed_on"
#define AGREEMENT_BRIEF_NCOLS 6
json_t *summary_agreement_brief(sqlite3_stmt *st);
