/* SPDX-License-Identifier: MPL-2.0 */
/* proto_level: FIRST TLP 2.0 sharing levels. */

/* The five TLP 2.0 levels with their wire numbers, English labels (kept in
   every language, as TLP 2.0 asks) and CLI names. What a level allows a
   receiver to do is policy (DESIGN §2) and lives in keys_disclosure; the
   codec rule tying RED to named nodes and sealing lives in proto_entry.     */

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proto_level.h"

typedef struct {
    proto_level_t level;
    const char *name;                   /* CLI name, lowercase          */
    const char *label;                  /* TLP 2.0 label                */
} s_level_info_t;

static const s_level_info_t s_levels[] = {
    { PROTO_LEVEL_CLEAR, "clear", "TLP:CLEAR" },
    { PROTO_LEVEL_GREEN, "green", "TLP:GREEN" },
    { PROTO_LEVEL_AMBER, "amber", "TLP:AMBER" },
    { PROTO_LEVEL_AMBER_STRICT, "amber+strict", "TLP:AMBER+STRICT" },
    { PROTO_LEVEL_RED, "red", "TLP:RED" },
};
#define S_LEVEL_COUNT (sizeof (s_levels) / sizeof (s_levels[0]))

/* ------------------------------------------------------------------------
   Parse a name or label, any case; 0 if it is neither. TLP 1.0's "white"
   is not accepted: TLP 2.0 renamed it CLEAR and we keep one spelling.       */
proto_level_t
proto_level_parse (const char *text)
{
    if (!text)
        return (proto_level_t) 0;
    if (!strncasecmp (text, "TLP:", 4))
        text += 4;
    for (size_t i = 0; i < S_LEVEL_COUNT; i++)
        if (!strcasecmp (text, s_levels[i].name))
            return s_levels[i].level;
    return (proto_level_t) 0;
}

/* ------------------------------------------------------------------------
   TLP label; NULL for an invalid value.                                     */
const char *
proto_level_label (proto_level_t level)
{
    if (!proto_level_valid ((int) level))
        return NULL;
    return s_levels[level - 1].label;
}

/* ------------------------------------------------------------------------
   CLI name; NULL for an invalid value.                                      */
const char *
proto_level_name (proto_level_t level)
{
    if (!proto_level_valid ((int) level))
        return NULL;
    return s_levels[level - 1].name;
}

bool
proto_level_valid (int value)
{
    return value >= PROTO_LEVEL_CLEAR && value <= PROTO_LEVEL_RED;
}

/* ------------------------------------------------------------------------
   Selftest.                                                                 */
void
proto_level_test (bool verbose)
{
    printf (" * proto_level: ");
    fflush (stdout);
    /* The table is indexed by wire value - 1: check it stays that way. */
    for (size_t i = 0; i < S_LEVEL_COUNT; i++)
        assert ((size_t) s_levels[i].level == i + 1);

    static_assert (PROTO_LEVEL_CLEAR == 1 && PROTO_LEVEL_GREEN == 2
                       && PROTO_LEVEL_AMBER == 3
                       && PROTO_LEVEL_AMBER_STRICT == 4
                       && PROTO_LEVEL_RED == 5,
                   "wire values of the levels");
    assert (proto_level_parse ("clear") == PROTO_LEVEL_CLEAR);
    assert (proto_level_parse ("GREEN") == PROTO_LEVEL_GREEN);
    assert (proto_level_parse ("Amber") == PROTO_LEVEL_AMBER);
    assert (proto_level_parse ("amber+strict") == PROTO_LEVEL_AMBER_STRICT);
    assert (proto_level_parse ("TLP:AMBER+STRICT")
            == PROTO_LEVEL_AMBER_STRICT);
    assert (proto_level_parse ("tlp:red") == PROTO_LEVEL_RED);
    assert (proto_level_parse ("red") == PROTO_LEVEL_RED);
    assert (proto_level_parse ("white") == 0);
    assert (proto_level_parse ("amber-strict") == 0);
    assert (proto_level_parse ("amber+") == 0);
    assert (proto_level_parse ("TLP:") == 0);
    assert (proto_level_parse ("TLP:TLP:RED") == 0);
    assert (proto_level_parse ("") == 0);
    assert (proto_level_parse (" red") == 0);
    assert (proto_level_parse (NULL) == 0);

    assert (!strcmp (proto_level_label (PROTO_LEVEL_CLEAR), "TLP:CLEAR"));
    assert (!strcmp (proto_level_label (PROTO_LEVEL_AMBER_STRICT),
                     "TLP:AMBER+STRICT"));
    assert (!strcmp (proto_level_name (PROTO_LEVEL_RED), "red"));
    assert (proto_level_label ((proto_level_t) 0) == NULL);
    assert (proto_level_label ((proto_level_t) 6) == NULL);
    assert (proto_level_name ((proto_level_t) 0) == NULL);
    assert (proto_level_name ((proto_level_t) 6) == NULL);
    assert (!proto_level_valid (0) && !proto_level_valid (6)
            && !proto_level_valid (-1) && !proto_level_valid (255));

    /* Name and label both parse back to the level. */
    for (int v = PROTO_LEVEL_CLEAR; v <= PROTO_LEVEL_RED; v++) {
        assert (proto_level_valid (v));
        proto_level_t level = (proto_level_t) v;
        assert (proto_level_parse (proto_level_name (level)) == level);
        assert (proto_level_parse (proto_level_label (level)) == level);
        if (verbose)
            printf ("%s ", proto_level_label (level));
    }
    printf ("OK\n");
}
