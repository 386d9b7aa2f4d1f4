#pragma once
/* The closed word lists the rules use: English function words and the cue
 * words of news copy (titles, roles, organisation and place words, speech
 * and agreement verbs). All folded (lower case, no dots). */

#include <stdbool.h>

#include <stdint.h>

bool word_in(const char *word, const char *const *list);

/* Every list below is a word class. A word's classes, as bits, are looked
 * up once per token (tokens keep them), so testing a token against a list
 * is one AND instead of a scan of the list. */
uint64_t word_classes(const char *word);
/* The bit of a list, 0 for a list that is not one of these. */
uint64_t word_class_bit(const char *const *list);

extern const char *const ABBREVIATIONS[];   /* words whose period ends no sentence */
extern const char *const FUNCTION_WORDS[];  /* capitalised only at a sentence start */
extern const char *const TIME_WORDS[];      /* months, weekdays */
extern const char *const TITLES[];          /* capitalised before a name: President, Gen */
extern const char *const TITLE_MODIFIERS[]; /* inside a title: Defense, Foreign, Vice */
extern const char *const ROLE_NOUNS[];      /* a person's role: analyst, secretary, counterpart */
extern const char *const ORG_HEADS[];       /* last word of an organisation: Corporation, Ministry */
extern const char *const ORG_LEADS[];       /* first word of one: Ministry (of), Council (of) */
extern const char *const MEDIA_NOUNS[];     /* daily, agency, newspaper: an outlet's name follows */
extern const char *const ORG_NOUNS[];       /* parliament, company: appositive of an organisation */
extern const char *const LOC_HEADS[];       /* River, Sea, Island */
extern const char *const LOC_LEADS[];       /* Gulf (of), Lake, Mount */
extern const char *const LOC_PREPOSITIONS[];/* in, from, across: a place may follow */
extern const char *const LOC_NOUNS[];       /* port, city, town: "the port of X" */
extern const char *const SPEECH_VERBS[];    /* said, told, added */
extern const char *const NOT_NAMES[];       /* capitalised words that are no entity: God, Cold War's parts */
extern const char *const COLLECTIVES[];     /* countries, ministers, sides: "the four navies" */
extern const char *const DETERMINERS[];           /* a, the, its: an agreement phrase starts here */
extern const char *const SIGN_VERBS[];            /* signed, inked */
extern const char *const MAKE_VERBS[];            /* struck, reached: an agreement is made */
extern const char *const REPLACE_VERBS[];         /* replacing, supersedes */
extern const char *const PROPOSE_WORDS[];         /* draw up, draft, could: not yet agreed */
extern const char *const SOFT_MODIFIERS[];        /* outdated, new: dropped from an agreement title */
extern const char *const COMPLEMENT_STARTS[];     /* on, to: a title goes on */
extern const char *const COMPLEMENT_STOPS[];      /* that, which: a title ends before */
extern const char *const WEEKDAYS[];              /* the days a wire story dates by */
extern const char *const APPOSITIVE_ENDS[];       /* at, of: the word after a role in an appositive */
extern const char *const CONNECTORS[];            /* of, the: inside a proper name */
extern const char *const GEO_NOUNS[];             /* river, sea: lower case after a place name */
extern const char *const PRONOUNS[];              /* he, she: the last person named */
extern const char *const REPORT_NOUNS[];          /* the report, the paper: the outlet named */
extern const char *const CLAUSE_BREAKS[];         /* and, but: a new clause after a comma */
extern const char *const AGREEMENT_WORDS[];       /* memorandum, treaty, accord, deal, plan... */
extern const char *const AGREEMENT_VERBS[];       /* sign, ratify, withdraw: an agreement is at stake */
extern const char *const IN_FORCE_VERBS[];        /* ratified, came into force, extended */
extern const char *const GOVERNMENT_NOUNS[];      /* governments, ministers: "the Finnish and Estonian governments" */
extern const char *const MEDIA_HEADS[];           /* Times, Gazeta: the last word of a news outlet */
extern const char *const PARTY_VERBS[];           /* signed, agreed, struck: its subject is a party */
extern const char *const GROUP_NOUNS[];           /* "the group said": the organisation named last */
extern const char *const DIRECTIONS[];            /* north, central: "central Asia", "North Darfur" */
