#include "db/fts_pending.h"

/* In id order: FTS5 appends each row's terms to its in-memory lists, and
 * lists built in rowid order need no sorting when they are written out. */
static const char *const flush_sql[] = {
    "INSERT INTO article_fts (rowid, title, summary, body)"
    " SELECT a.id, a.title, a.summary, a.body FROM fts_pending p JOIN articles a ON a.id = p.id"
    " WHERE p.fts = 'article_fts' ORDER BY p.id",
    "INSERT INTO quote_fts (rowid, text)"
    " SELECT q.id, q.text FROM fts_pending p JOIN quotes q ON q.id = p.id"
    " WHERE p.fts = 'quote_fts' ORDER BY p.id",
    "DELETE FROM fts_pending",
};

static enum db_status flush(struct db *w)
{
    /* Most transactions that reach here wrote no article or quote. */
    sqlite3_stmt *st = conn_stmt(w, "SELECT 1 FROM fts_pending LIMIT 1");
    if (st == NULL)
        return DB_ERR;
    int step = sqlite3_step(st);
    conn_done(st);
    if (step != SQLITE_ROW)
        return step == SQLITE_DONE ? DB_OK : conn_status(w, step);
    enum db_status rc = DB_OK;
    for (size_t i = 0; rc == DB_OK && i < sizeof flush_sql / sizeof flush_sql[0]; i++)
        rc = conn_run(w, flush_sql[i]);
    return rc;
}

enum db_status fts_pending_commit(struct db *w)
{
    enum db_status rc = flush(w);
    return rc == DB_OK ? conn_run(w, "COMMIT") : rc;
}
