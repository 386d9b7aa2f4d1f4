#pragma once
/* Schema migrations, applied in one transaction when a store opens. */

#include <stddef.h>

#include "db/conn.h"

/* The schema version this build writes (number of migrations). */
int schema_latest_version(void);

/* Brings the database up to schema_latest_version() in one IMMEDIATE
 * transaction; *from_version is the version found (0 for a new database).
 * On failure nothing is applied and err says why. */
enum db_status schema_migrate(struct db *db, int *from_version, char *err, size_t errlen);
