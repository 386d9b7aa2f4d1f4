#pragma once
/* The values the schema's CHECK constraints allow (db/schema.c), for the
 * code that validates, filters or counts by them: one list each, ending
 * with NULL, in the order the schema names them. */

extern const char *const db_entity_types[];
extern const char *const db_agreement_kinds[];
extern const char *const db_agreement_statuses[];
