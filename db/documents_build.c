#include "db/db.h"

#include <pthread.h>
#include <stdlib.h>

#include "db/articles.h"
#include "db/conn.h"

/* Renders and keeps the document of every article: each thread takes the
 * ids that are its number modulo the thread count, on its own reader,
 * in one snapshot. */
#define BUILD_THREADS 2

struct build_part {
    struct store *store;
    int64_t first, last, step;
    int64_t done;
    enum db_status status;
};

static void *build_part(void *arg)
{
    struct build_part *part = arg;
    struct db *db = store_reader(part->store);
    part->status = db != NULL ? db_snapshot_begin(db) : DB_ERR;
    for (int64_t id = part->first; part->status == DB_OK && id <= part->last; id += part->step) {
        char *json = NULL, updated[40];
        size_t len;
        enum db_status rc = db_article_document(db, id, &json, &len, updated, sizeof updated);
        free(json);
        if (rc == DB_OK)
            part->done++;
        else if (rc != DB_NOT_FOUND)
            part->status = rc;
    }
    if (db != NULL) {
        db_snapshot_end(db);
        store_reader_park(part->store);
    }
    return NULL;
}

static enum db_status largest_article_id(struct store *store, int64_t *largest)
{
    struct db *db = store_reader(store);
    if (db == NULL)
        return DB_ERR;
    sqlite3_stmt *st = conn_stmt(db, "SELECT coalesce(max(id), 0) FROM articles");
    enum db_status rc = st != NULL && sqlite3_step(st) == SQLITE_ROW ? DB_OK : DB_ERR;
    if (rc == DB_OK)
        *largest = sqlite3_column_int64(st, 0);
    conn_done(st);
    store_reader_park(store);
    return rc;
}

enum db_status db_documents_build(struct store *store, int64_t *kept)
{
    struct build_part parts[BUILD_THREADS];
    pthread_t threads[BUILD_THREADS];
    int started = 0;
    int64_t largest = 0;
    enum db_status rc = largest_article_id(store, &largest);

    *kept = 0;
    if (rc != DB_OK)
        return rc;
    for (int i = 0; i < BUILD_THREADS; i++) {
        parts[i] = (struct build_part){.store = store, .first = i + 1, .last = largest,
                                       .step = BUILD_THREADS, .status = DB_OK};
        if (pthread_create(&threads[i], NULL, build_part, &parts[i]) != 0) {
            rc = DB_ERR;
            break;
        }
        started++;
    }
    for (int i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
        *kept += parts[i].done;
        if (parts[i].status != DB_OK)
            rc = parts[i].status;
    }
    return rc;
}
