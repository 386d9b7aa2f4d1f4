#include "db/documents.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "db/conn.h"
#include "db/text.h"

/* Article ids the index covers (1 GiB of address space, touched only where
 * ids are: 8 bytes an id). An article past it is read from the store. */
#define MAX_IDS (1u << 27)
/* An entry: the record's offset in the file (40 bits) and the document's
 * length (24 bits); 0 is "none" (no record starts at 0: the file header
 * is there). */
#define LEN_BITS 24
#define MAX_LEN ((1u << LEN_BITS) - 1)
#define MAX_OFFSET ((1ull << 40) - 1)
/* Past this much forgotten text beyond the live documents, nothing more is
 * kept until the file is rebuilt. */
#define MAX_SLACK (1ull << 30)

#define FILE_MAGIC "WBDOCS01"
#define INDEX_MAGIC "WBDOCIX1"
#define RECORD_MAGIC 0x31444257u /* "WBD1" */

struct file_header {
    char magic[8];
    char pad[56];
};

struct record_header {
    uint32_t magic;
    uint32_t len;
    int64_t id;
    char updated_at[24];
};

struct index_header {
    char magic[8];
    uint32_t format;
    uint32_t pad;
    char instance[40];
    int64_t version;
    uint64_t file_end;
    uint64_t count; /* entries that follow: ids 0 .. count - 1 */
    uint64_t live;
};

struct documents {
    char *data_path, *index_path;
    char instance[40];
    int fd;
    _Atomic uint64_t *index; /* MAX_IDS entries, an anonymous mapping */
    _Atomic int64_t published;
    pthread_mutex_t lock;
    /* Under lock. */
    bool writing;
    int64_t committed; /* the version the writer's last commit left; -1 */
    uint64_t file_end, live, top; /* top: one past the largest id kept */
    bool full_logged;
    _Atomic uint64_t served, kept;
};

static uint64_t entry_of(uint64_t offset, size_t len)
{
    return (offset << LEN_BITS) | (uint64_t)len;
}

static void clear_index(struct documents *docs)
{
    /* Pages given back read as zeros: every entry "none". */
    madvise(docs->index, (size_t)MAX_IDS * sizeof *docs->index, MADV_DONTNEED);
    docs->live = 0;
    docs->top = 0;
}

/* The saved index, if it was saved for this instance and version and the
 * file still holds what it points to. */
static bool load_index(struct documents *docs, int64_t version)
{
    struct index_header h;
    struct stat st;
    bool ok = false;
    int fd = open(docs->index_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    if (read(fd, &h, sizeof h) != (ssize_t)sizeof h || memcmp(h.magic, INDEX_MAGIC, 8) != 0 ||
        h.format != DOCUMENTS_FORMAT || strncmp(h.instance, docs->instance, sizeof h.instance) != 0 ||
        h.version != version || h.count > MAX_IDS || fstat(docs->fd, &st) != 0 ||
        (uint64_t)st.st_size < h.file_end)
        goto done;
    size_t bytes = (size_t)h.count * sizeof(uint64_t);
    if (pread(fd, (void *)docs->index, bytes, sizeof h) != (ssize_t)bytes)
        goto done;
    docs->file_end = h.file_end;
    docs->live = h.live;
    docs->top = h.count;
    ok = true;
done:
    if (!ok)
        clear_index(docs);
    close(fd);
    return ok;
}

/* An empty file: its header, and nothing kept. */
static bool start_empty(struct documents *docs)
{
    struct file_header fh = {0};
    memcpy(fh.magic, FILE_MAGIC, 8);
    clear_index(docs);
    docs->file_end = sizeof fh;
    return ftruncate(docs->fd, 0) == 0 && pwrite(docs->fd, &fh, sizeof fh, 0) == (ssize_t)sizeof fh;
}

struct documents *documents_open(const char *store_path, const char *instance, int64_t version,
                                 char *err, size_t errlen)
{
    struct documents *docs = calloc(1, sizeof *docs);
    if (docs == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    docs->fd = -1;
    docs->index = MAP_FAILED;
    pthread_mutex_init(&docs->lock, NULL);
    snprintf(docs->instance, sizeof docs->instance, "%s", instance);
    if (asprintf(&docs->data_path, "%s-docs", store_path) < 0) {
        docs->data_path = NULL;
        goto oom;
    }
    if (asprintf(&docs->index_path, "%s-docs.idx", store_path) < 0) {
        docs->index_path = NULL;
        goto oom;
    }
    docs->index = mmap(NULL, (size_t)MAX_IDS * sizeof *docs->index, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (docs->index == MAP_FAILED)
        goto oom;
    docs->fd = open(docs->data_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (docs->fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", docs->data_path, strerror(errno));
        goto fail;
    }
    /* One process at a time appends and indexes. */
    if (flock(docs->fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen, "%s is in use by another process", docs->data_path);
        goto fail;
    }
    atomic_init(&docs->published, version);
    docs->committed = -1;
    if (!load_index(docs, version) && !start_empty(docs)) {
        snprintf(err, errlen, "cannot write %s: %s", docs->data_path, strerror(errno));
        goto fail;
    }
    /* Saved for one open: a crash from here on must not leave an index
     * that a later open could take for current. */
    unlink(docs->index_path);
    return docs;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    documents_close(docs, false);
    return NULL;
}

/* Writes the index to a new file and renames it into place, after the
 * records it points to are on disk. */
static void save_index(struct documents *docs)
{
    struct index_header h = {0};
    memcpy(h.magic, INDEX_MAGIC, 8);
    h.format = DOCUMENTS_FORMAT;
    snprintf(h.instance, sizeof h.instance, "%s", docs->instance);
    h.version = atomic_load(&docs->published);
    h.file_end = docs->file_end;
    h.count = docs->top;
    h.live = docs->live;
    char *partial = NULL;
    if (asprintf(&partial, "%s.partial", docs->index_path) < 0)
        return;
    int fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t bytes = (size_t)h.count * sizeof(uint64_t);
    bool ok = fd >= 0 && fdatasync(docs->fd) == 0 &&
              write(fd, &h, sizeof h) == (ssize_t)sizeof h &&
              (bytes == 0 || write(fd, (const void *)docs->index, bytes) == (ssize_t)bytes) &&
              fdatasync(fd) == 0;
    if (fd >= 0)
        close(fd);
    if (!ok || rename(partial, docs->index_path) != 0) {
        conn_log("cannot save %s: %s", docs->index_path, strerror(errno));
        unlink(partial);
    }
    free(partial);
}

/* Whether the file at data_path is still the one this process holds. A
 * store deleted and made again at the same path while a server ran on it
 * has a file of its own there: an index saved by path would land beside
 * it, and its next open, finding another store's index, would empty the
 * new store's whole file (seen on the benchmark store: 5 GB of documents
 * rendered again). */
static bool still_at_path(const struct documents *docs)
{
    struct stat held, named;
    return fstat(docs->fd, &held) == 0 && stat(docs->data_path, &named) == 0 &&
           held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

void documents_close(struct documents *docs, bool save)
{
    if (docs == NULL)
        return;
    if (save && docs->fd >= 0 && docs->index != MAP_FAILED && !docs->writing &&
        still_at_path(docs))
        save_index(docs);
    if (docs->index != MAP_FAILED)
        munmap((void *)docs->index, (size_t)MAX_IDS * sizeof *docs->index);
    if (docs->fd >= 0)
        close(docs->fd);
    pthread_mutex_destroy(&docs->lock);
    free(docs->data_path);
    free(docs->index_path);
    free(docs);
}

bool documents_read(struct documents *docs, int64_t id, int64_t version, char **json,
                    size_t *len, char *updated_at, size_t updated_len)
{
    if (id <= 0 || id >= (int64_t)MAX_IDS || atomic_load(&docs->published) != version)
        return false;
    uint64_t entry = atomic_load(&docs->index[id]);
    /* Published before and after the entry was read: the entry is one kept
     * for this version, never one kept at a later version. */
    if (entry == 0 || atomic_load(&docs->published) != version)
        return false;
    size_t n = (size_t)(entry & MAX_LEN);
    off_t offset = (off_t)(entry >> LEN_BITS);
    struct record_header h;
    char *text = malloc(n > 0 ? n : 1);
    if (text == NULL)
        return false;
    struct iovec parts[2] = {{&h, sizeof h}, {text, n}};
    if (preadv(docs->fd, parts, 2, offset) != (ssize_t)(sizeof h + n) || h.magic != RECORD_MAGIC ||
        h.id != id || h.len != n) {
        free(text);
        return false;
    }
    h.updated_at[sizeof h.updated_at - 1] = '\0';
    text_copy(updated_at, updated_len, h.updated_at);
    *json = text;
    *len = n;
    atomic_fetch_add_explicit(&docs->served, 1, memory_order_relaxed);
    return true;
}

/* Drops id's entry. Call under lock. */
static void drop(struct documents *docs, int64_t id)
{
    uint64_t old = atomic_exchange(&docs->index[id], 0);
    docs->live -= old & MAX_LEN;
}

void documents_offer(struct documents *docs, int64_t id, int64_t version, const char *json,
                     size_t len, const char *updated_at)
{
    if (id <= 0 || id >= (int64_t)MAX_IDS || len > MAX_LEN)
        return;
    struct record_header h = {.magic = RECORD_MAGIC, .len = (uint32_t)len, .id = id};
    snprintf(h.updated_at, sizeof h.updated_at, "%s", updated_at);
    pthread_mutex_lock(&docs->lock);
    bool room = docs->file_end - docs->live <= docs->live + MAX_SLACK &&
                docs->file_end + sizeof h + len <= MAX_OFFSET;
    if (!room && !docs->full_logged) {
        conn_log("%s: too much forgotten text; no more documents are kept until it is rebuilt"
                 " (wirebase documents)", docs->data_path);
        docs->full_logged = true;
    }
    if (room && !docs->writing && version == atomic_load(&docs->published) &&
        atomic_load(&docs->index[id]) == 0) {
        struct iovec parts[2] = {{&h, sizeof h}, {(void *)json, len}};
        if (pwritev(docs->fd, parts, 2, (off_t)docs->file_end) == (ssize_t)(sizeof h + len)) {
            atomic_store(&docs->index[id], entry_of(docs->file_end, len));
            docs->file_end += sizeof h + len;
            docs->live += len;
            if ((uint64_t)id >= docs->top)
                docs->top = (uint64_t)id + 1;
            atomic_fetch_add_explicit(&docs->kept, 1, memory_order_relaxed);
        }
    }
    pthread_mutex_unlock(&docs->lock);
}

void documents_reset(struct documents *docs)
{
    pthread_mutex_lock(&docs->lock);
    if (!start_empty(docs))
        conn_log("cannot empty %s: %s", docs->data_path, strerror(errno));
    docs->full_logged = false;
    pthread_mutex_unlock(&docs->lock);
}

/* Forgotten text a rebuild is not worth making for. */
#define REBUILD_SLACK (1u << 20)

bool documents_mostly_forgotten(struct documents *docs)
{
    pthread_mutex_lock(&docs->lock);
    uint64_t forgotten = docs->file_end - sizeof(struct file_header) - docs->live;
    bool mostly = forgotten > docs->live + REBUILD_SLACK;
    pthread_mutex_unlock(&docs->lock);
    return mostly;
}

void documents_counts(const struct documents *docs, uint64_t *served, uint64_t *kept)
{
    *served = atomic_load(&docs->served);
    *kept = atomic_load(&docs->kept);
}

void documents_writer_enter(struct documents *docs)
{
    pthread_mutex_lock(&docs->lock);
    docs->writing = true;
    docs->committed = -1;
    pthread_mutex_unlock(&docs->lock);
}

void documents_writer_began(struct documents *docs, int64_t version)
{
    if (version != atomic_load(&docs->published))
        documents_forget_all(docs);
}

void documents_forget(struct documents *docs, int64_t id)
{
    if (id <= 0 || id >= (int64_t)MAX_IDS)
        return;
    pthread_mutex_lock(&docs->lock);
    drop(docs, id);
    pthread_mutex_unlock(&docs->lock);
}

void documents_forget_all(struct documents *docs)
{
    pthread_mutex_lock(&docs->lock);
    clear_index(docs);
    pthread_mutex_unlock(&docs->lock);
}

void documents_writer_committed(struct documents *docs, int64_t version)
{
    pthread_mutex_lock(&docs->lock);
    docs->committed = version;
    pthread_mutex_unlock(&docs->lock);
}

void documents_writer_leave(struct documents *docs, int64_t version)
{
    pthread_mutex_lock(&docs->lock);
    int64_t published = atomic_load(&docs->published);
    /* Anything else than our commit's version or the one before (nothing
     * committed) means another process wrote meanwhile. */
    if (version != docs->committed && version != published)
        clear_index(docs);
    atomic_store(&docs->published, version);
    docs->writing = false;
    pthread_mutex_unlock(&docs->lock);
}

void documents_check(struct documents *docs, int64_t version)
{
    pthread_mutex_lock(&docs->lock);
    /* Only a later version: one read before our writer's last commit is
     * older than what it published. */
    if (!docs->writing && version > atomic_load(&docs->published)) {
        clear_index(docs);
        atomic_store(&docs->published, version);
    }
    pthread_mutex_unlock(&docs->lock);
}
