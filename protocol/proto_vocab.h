/* SPDX-License-Identifier: MPL-2.0 */
/* proto_vocab: the controlled vocabularies: kinds, sectors, relations,
   severity. */
#ifndef PROTO_VOCAB_H
#define PROTO_VOCAB_H

#include <stdbool.h>

/* Every value has an explicit, stable wire number; 0 is never valid, and a
   number is never reused for another meaning.                               */

/* Kinds (categories of what is shared; DESIGN §1 and the seeds).            */
typedef enum {
    PROTO_KIND_EARLY_WARNING = 1,
    PROTO_KIND_INCIDENT = 2,
    PROTO_KIND_ATTACK_TECHNIQUE = 3,
    PROTO_KIND_RECOVERY = 4,
    PROTO_KIND_BEST_PRACTICE = 5,
    PROTO_KIND_DAMAGE_STATUS = 6,
    PROTO_KIND_RESPONSE_STATUS = 7,
    PROTO_KIND_NEAR_MISS = 8,
    PROTO_KIND_NEWSLETTER = 9,
    PROTO_KIND_RELATED = 10,
    PROTO_KIND_DRILL = 11,
    PROTO_KIND_RECEIPT = 12,
    PROTO_KIND_ACK = 13,
} proto_kind_t;
#define PROTO_KIND_MAX 13

/* Sectors: the 21 CEPTOARs of the 2025 list, in the list's order.          */
typedef enum {
    PROTO_SECTOR_TELECOM = 1,
    PROTO_SECTOR_CABLE_TV = 2,
    PROTO_SECTOR_BROADCASTING = 3,
    PROTO_SECTOR_BANKING = 4,
    PROTO_SECTOR_SECURITIES = 5,
    PROTO_SECTOR_LIFE_INSURANCE = 6,
    PROTO_SECTOR_NON_LIFE_INSURANCE = 7,
    PROTO_SECTOR_FUNDS_SETTLEMENT = 8,
    PROTO_SECTOR_AVIATION = 9,
    PROTO_SECTOR_AIRPORTS = 10,
    PROTO_SECTOR_RAILWAY = 11,
    PROTO_SECTOR_ELECTRICITY = 12,
    PROTO_SECTOR_GAS = 13,
    PROTO_SECTOR_LOCAL_GOVERNMENT = 14,
    PROTO_SECTOR_MEDICAL = 15,
    PROTO_SECTOR_WATER = 16,
    PROTO_SECTOR_LOGISTICS = 17,
    PROTO_SECTOR_CHEMICAL = 18,
    PROTO_SECTOR_CREDIT = 19,
    PROTO_SECTOR_PETROLEUM = 20,
    PROTO_SECTOR_PORTS = 21,
} proto_sector_t;
#define PROTO_SECTOR_MAX 21

/* Relations of a reference from one entry to another.                      */
typedef enum {
    PROTO_REL_REPLY = 1,
    PROTO_REL_UPDATE = 2,
    PROTO_REL_CORRECTION = 3,
    PROTO_REL_RETRACTION = 4,
    PROTO_REL_RELATED = 5,      /* a plain cross-reference                   */
    PROTO_REL_ACKNOWLEDGES = 6, /* receipts and acknowledgements             */
} proto_relation_t;
#define PROTO_REL_MAX 6

/* NISC severity scale: 0 (lowest) to 4 (highest).                          */
#define PROTO_SEVERITY_MAX 4

/* ------------------------------------------------------------------------
   Name <-> value. Names are lowercase with '-' ("early-warning",
   "non-life-insurance", "retraction"). _parse returns 0 for an unknown name
   (case-insensitive); _name returns NULL for an invalid value.              */
proto_kind_t proto_kind_parse (const char *name);
const char *proto_kind_name (int kind);
proto_sector_t proto_sector_parse (const char *name);
const char *proto_sector_name (int sector);
proto_relation_t proto_relation_parse (const char *name);
const char *proto_relation_name (int relation);

/* ------------------------------------------------------------------------
   Parses a severity "0".."4". Returns 0..4, or -1 for anything else.        */
int proto_severity_parse (const char *text);

void
    proto_vocab_test (bool verbose);

#endif
