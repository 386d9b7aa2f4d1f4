#include "db/vocabulary.h"

#include <stddef.h>

const char *const db_entity_types[] = {"person", "organization", "location", "product", NULL};
const char *const db_agreement_kinds[] = {"memorandum", "treaty", "accord", "plan",
                                          "deal", "agreement", NULL};
const char *const db_agreement_statuses[] = {"proposed", "signed", "pending_ratification",
                                             "in_force", "superseded", "expired", NULL};
