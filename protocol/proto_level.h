/* SPDX-License-Identifier: MPL-2.0 */
/* proto_level: FIRST TLP 2.0 sharing levels. */
#ifndef PROTO_LEVEL_H
#define PROTO_LEVEL_H

#include <stdbool.h>

/* Wire values are explicit and stable. 0 is never a valid level.           */
typedef enum {
    PROTO_LEVEL_CLEAR = 1,
    PROTO_LEVEL_GREEN = 2,
    PROTO_LEVEL_AMBER = 3,
    PROTO_LEVEL_AMBER_STRICT = 4,
    PROTO_LEVEL_RED = 5,
} proto_level_t;

/* ------------------------------------------------------------------------
   Parses "clear", "green", "amber", "amber+strict", "red" (any case, also
   "TLP:AMBER+STRICT"). Returns the level, or 0 if text is not a level.     */
proto_level_t
    proto_level_parse (const char *text);

/* ------------------------------------------------------------------------
   The TLP 2.0 label, e.g. "TLP:AMBER+STRICT"; NULL for an invalid value.    */
const char *
    proto_level_label (proto_level_t level);

/* ------------------------------------------------------------------------
   The lowercase CLI name, e.g. "amber+strict"; NULL for an invalid value.   */
const char *
    proto_level_name (proto_level_t level);

bool
    proto_level_valid (int value);

void
    proto_level_test (bool verbose);

#endif
