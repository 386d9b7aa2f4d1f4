#include "tests/fuzz/store.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/sample.h"

/* The directory every file of this process lives in, and the sample
 * store's bytes, made by the first fuzz_store_open. */
static char dir[PATH_MAX];
static unsigned char *image;
static size_t image_len;

__attribute__((noreturn)) static void fail(const char *what, const char *why)
{
    fprintf(stderr, "fuzz store: %s: %s\n", what, why);
    abort();
}

static void path_of(const char *name, char *out, size_t len)
{
    if ((size_t)snprintf(out, len, "%s/%s", dir, name) >= len)
        fail(name, "the path is too long");
}

/* A store file with its WAL and shared-memory companions. */
static void remove_store_files(const char *name)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    char base[PATH_MAX], path[PATH_MAX + 8];

    path_of(name, base, sizeof base);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(path, sizeof path, "%s%s", base, suffixes[i]);
        unlink(path);
    }
}

static void remove_dir(void)
{
    remove_store_files("store.db");
    remove_store_files("sample.db");
    rmdir(dir);
}

static struct store *open_file(const char *name)
{
    char path[PATH_MAX], err[256] = "";
    bool created;

    path_of(name, path, sizeof path);
    struct store_options opts = {.path = path, .busy_timeout_ms = 1000, .cache_size_kib = 2048};
    struct store *store = store_open(&opts, &created, err, sizeof err);
    if (store == NULL)
        fail(path, err);
    return store;
}

/* Loads the sample once and keeps the closed file's bytes: closing the
 * last connection checkpoints the WAL, so the main file holds it all. */
static void make_image(void)
{
    const char *tmp = getenv("TMPDIR");
    char path[PATH_MAX], err[256] = "";
    struct dataset_counts counts;
    FILE *f = NULL;
    long len;

    snprintf(dir, sizeof dir, "%s/wirebase-fuzz-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        fail(dir, "cannot make the directory");
    atexit(remove_dir);

    struct store *store = open_file("sample.db");
    if (sample_load(store, &counts, err, sizeof err) != DB_OK)
        fail("sample_load", err);
    store_close(store);

    path_of("sample.db", path, sizeof path);
    f = fopen(path, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) <= 0 ||
        fseek(f, 0, SEEK_SET) != 0)
        fail(path, "cannot read the sample store");
    image_len = (size_t)len;
    image = malloc(image_len);
    if (image == NULL || fread(image, 1, image_len, f) != image_len)
        fail(path, "cannot read the sample store");
    fclose(f);
    remove_store_files("sample.db");
}

struct store *fuzz_store_open(void)
{
    char path[PATH_MAX];

    if (image == NULL)
        make_image();
    remove_store_files("store.db");
    path_of("store.db", path, sizeof path);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(image, 1, image_len, f) != image_len || fclose(f) != 0)
        fail(path, "cannot write the store");
    return open_file("store.db");
}

void fuzz_store_close(struct store *store)
{
    store_close(store);
    remove_store_files("store.db");
}

int64_t fuzz_store_id(struct store *store, enum db_kind kind, const char *slug)
{
    struct db *db = store_reader(store);
    int64_t id = 0;

    if (db == NULL || db_resolve(db, kind, slug, &id) != DB_OK)
        fail(slug, "not in the sample store");
    return id;
}
