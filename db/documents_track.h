#pragma once
/* The writer connection's temporary triggers that tell the rendered
 * article documents (db/documents.h) which articles a write changes. */

#include <stdbool.h>

#include "db/conn.h"
#include "db/documents.h"

/* Makes the writer `w` call documents_forget for every article whose
 * document a statement changes. Temporary triggers: they belong to this
 * connection, and the store's file is not changed. False if they cannot be
 * made (then the documents must not be used). */
bool documents_track(struct db *w, struct documents *docs);
