#include "db/backup.h"

#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db/conn.h"

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void nap_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

enum db_status db_backup(struct store *store, const char *path, char *err, size_t errlen)
{
    char partial[4096];
    sqlite3 *dest = NULL;
    sqlite3_backup *backup = NULL;
    bool made_partial = false;
    enum db_status rc = DB_ERR;

    if (snprintf(partial, sizeof partial, "%s.partial", path) >= (int)sizeof partial) {
        snprintf(err, errlen, "the backup path is too long");
        goto done;
    }
    if (exists(path) || exists(partial)) {
        snprintf(err, errlen, "%s already exists; a backup never overwrites a file",
                 exists(path) ? path : partial);
        rc = DB_CONFLICT;
        goto done;
    }
    struct db *source = store_reader(store);
    if (source == NULL) {
        snprintf(err, errlen, "cannot read the store");
        goto done;
    }
    int open_rc = sqlite3_open_v2(partial, &dest,
                                  SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                      SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                                  NULL);
    made_partial = true;
    if (open_rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot create %s: %s", partial,
                 dest != NULL ? sqlite3_errmsg(dest) : sqlite3_errstr(open_rc));
        goto done;
    }
    backup = sqlite3_backup_init(dest, "main", source->handle, "main");
    if (backup == NULL) {
        snprintf(err, errlen, "cannot start the backup: %s", sqlite3_errmsg(dest));
        goto done;
    }
    /* Every page in one step: the step holds one read transaction on the
     * source, a single WAL snapshot, so the copy is consistent and writers
     * are never blocked. In smaller steps, each write by another connection
     * would restart the copy, and a busy store might never be copied. */
    int step, waited_ms = 0;
    while ((step = sqlite3_backup_step(backup, -1)) == SQLITE_BUSY || step == SQLITE_LOCKED) {
        if (waited_ms >= 5000) {
            snprintf(err, errlen, "the store stayed locked for %d ms", waited_ms);
            rc = DB_BUSY;
            goto done;
        }
        nap_ms(50);
        waited_ms += 50;
    }
    if (step != SQLITE_DONE) {
        snprintf(err, errlen, "the copy failed: %s", sqlite3_errstr(step));
        rc = (step & 0xff) == SQLITE_FULL ? DB_FULL : DB_ERR;
        goto done;
    }
    int finish = sqlite3_backup_finish(backup);
    backup = NULL;
    if (finish != SQLITE_OK) {
        snprintf(err, errlen, "the copy failed: %s", sqlite3_errstr(finish));
        goto done;
    }
    if (sqlite3_close(dest) != SQLITE_OK) {
        snprintf(err, errlen, "cannot close %s", partial);
        goto done;
    }
    dest = NULL;
    if (rename(partial, path) != 0) {
        snprintf(err, errlen, "cannot rename %s to %s", partial, path);
        goto done;
    }
    made_partial = false;
    rc = DB_OK;
done:
    if (backup != NULL)
        sqlite3_backup_finish(backup);
    if (dest != NULL)
        sqlite3_close(dest);
    if (made_partial) {
        char journal[4200];
        unlink(partial);
        snprintf(journal, sizeof journal, "%s-journal", partial);
        unlink(journal);
    }
    return rc;
}
