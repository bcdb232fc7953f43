/* SPDX-License-Identifier: MPL-2.0 */
/* proto_reject: the reasons an entry, payload or frame is refused. */

/* Maps each reason to its stable name. The names appear in logs, counters
   and the vector files (tests/vectors/, "reject: <name>"), so never rename
   one; add new reasons with new numbers instead. This module has no
   selftest of its own: proto_entry_test checks every name.                  */

#include "proto_reject.h"

/* ------------------------------------------------------------------------
   Short lowercase name of a reason; "unknown" for a value not listed.       */
const char *
proto_reject_name (proto_reject_t reason)
{
    switch (reason) {
        case PROTO_OK:                    return "ok";
        case PROTO_REJECT_TRUNCATED:      return "truncated";
        case PROTO_REJECT_MAGIC:          return "magic";
        case PROTO_REJECT_VERSION:        return "version";
        case PROTO_REJECT_TRAILING:       return "trailing";
        case PROTO_REJECT_OVERSIZE:       return "oversize";
        case PROTO_REJECT_FIELD:          return "field";
        case PROTO_REJECT_NONCANONICAL:   return "noncanonical";
        case PROTO_REJECT_UTF8:           return "utf8";
        case PROTO_REJECT_SIGNATURE:      return "signature";
        case PROTO_REJECT_PAYLOAD_HASH:   return "payload-hash";
        case PROTO_REJECT_PAYLOAD_LEN:    return "payload-len";
        case PROTO_REJECT_SEALING:        return "sealing";
        case PROTO_REJECT_UNKNOWN_AUTHOR: return "unknown-author";
        case PROTO_REJECT_CHAIN_SEQ:      return "chain-seq";
        case PROTO_REJECT_CHAIN_PREV:     return "chain-prev";
        case PROTO_REJECT_DUPLICATE:      return "duplicate";
        case PROTO_REJECT_FORK:           return "fork";
        case PROTO_REJECT_FROZEN:         return "frozen";
        case PROTO_REJECT_AUDIENCE:       return "audience";
        case PROTO_REJECT_NOT_CLEARED:    return "not-cleared";
        case PROTO_REJECT_REVOKED:        return "revoked";
        case PROTO_REJECT_KEY_RETIRED:    return "key-retired";
        case PROTO_REJECT_RECEIPT:        return "receipt";
        case PROTO_REJECT_TIME_ORDER:     return "time-order";
        case PROTO_REJECT_TIME_AHEAD:     return "time-ahead";
        case PROTO_REJECT_STORAGE:        return "storage";
        case PROTO_REJECT_RETRACTED:      return "retracted";
    }
    return "unknown";
}
