#include "db/summaries.h"

json_t *summary_article(sqlite3_stmt *st)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "id", conn_col_int(st, 0), "slug", conn_col_string(st, 1),
                     "title", conn_col_string(st, 2), "source", conn_col_string(st, 3),
                     "url", conn_col_string(st, 4), "published_at", conn_col_string(st, 5),
                     "summary", conn_col_string(st, 6));
}

json_t *summary_entity_brief(sqlite3_stmt *st)
{
    return json_pack("{s:o, s:o, s:o, s:o}", "id", conn_col_int(st, 0),
                     "slug", conn_col_string(st, 1), "name", conn_col_string(st, 2),
                     "type", conn_col_string(st, 3));
}

json_t *summary_agreement_brief(sqlite3_stmt *st)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "id", conn_col_int(st, 0),
                     "slug", conn_col_string(st, 1), "title", conn_col_string(st, 2),
                     "kind", conn_col_string(st, 3), "status", conn_col_string(st, 4),
                     "signed_on", conn_col_string(st, 5));
}
