#pragma once
/* Agreement kinds as the API spells them, indexed by struct agreement.kind. */
extern const char *const AGREEMENT_KINDS[];
