/* SPDX-License-Identifier: MPL-2.0 */
/* proto_vocab: the controlled vocabularies: kinds, sectors, relations,
   severity. */

/* Names and wire numbers of the kinds, sectors and reference relations,
   and the NISC severity scale. Each table is indexed by wire value - 1 and
   the selftest checks that, so adding a value means appending a row.
   Sector membership of a node (which CEPTOAR it is) is roster data, not
   vocabulary: see keys_card.                                                */

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proto_vocab.h"

static const char *s_kinds[PROTO_KIND_MAX] = {
    "early-warning", "incident",     "attack-technique", "recovery",
    "best-practice", "damage-status", "response-status", "near-miss",
    "newsletter",    "related",      "drill",            "receipt",
    "ack",
};

static const char *s_sectors[PROTO_SECTOR_MAX] = {
    "telecom",          "cable-tv",           "broadcasting",
    "banking",          "securities",         "life-insurance",
    "non-life-insurance", "funds-settlement", "aviation",
    "airports",         "railway",            "electricity",
    "gas",              "local-government",   "medical",
    "water",            "logistics",          "chemical",
    "credit",           "petroleum",          "ports",
};

static const char *s_relations[PROTO_REL_MAX] = {
    "reply", "update", "correction", "retraction", "related", "acknowledges",
};

/* ------------------------------------------------------------------------
   Case-insensitive lookup; returns wire value or 0.                         */
static int
s_parse (const char *const *table, int count, const char *name)
{
    if (!name)
        return 0;
    for (int i = 0; i < count; i++)
        if (!strcasecmp (name, table[i]))
            return i + 1;
    return 0;
}

static const char *
s_name (const char *const *table, int count, int value)
{
    if (value < 1 || value > count)
        return NULL;
    return table[value - 1];
}

proto_kind_t
proto_kind_parse (const char *name)
{
    return (proto_kind_t) s_parse (s_kinds, PROTO_KIND_MAX, name);
}

const char *
proto_kind_name (int kind)
{
    return s_name (s_kinds, PROTO_KIND_MAX, kind);
}

proto_sector_t
proto_sector_parse (const char *name)
{
    return (proto_sector_t) s_parse (s_sectors, PROTO_SECTOR_MAX, name);
}

const char *
proto_sector_name (int sector)
{
    return s_name (s_sectors, PROTO_SECTOR_MAX, sector);
}

proto_relation_t
proto_relation_parse (const char *name)
{
    return (proto_relation_t) s_parse (s_relations, PROTO_REL_MAX, name);
}

const char *
proto_relation_name (int relation)
{
    return s_name (s_relations, PROTO_REL_MAX, relation);
}

/* ------------------------------------------------------------------------
   Exactly one digit 0..4; "04", "+1", " 1" and "1 " are refused.            */
int
proto_severity_parse (const char *text)
{
    if (!text || text[0] < '0' || text[0] > '0' + PROTO_SEVERITY_MAX
        || text[1] != '\0')
        return -1;
    return text[0] - '0';
}

/* ------------------------------------------------------------------------
   Selftest.                                                                 */
void
proto_vocab_test (bool verbose)
{
    printf (" * proto_vocab: ");
    fflush (stdout);

    /* Wire numbers are fixed: spot-check the enum against the tables. */
    assert (proto_kind_parse ("early-warning") == PROTO_KIND_EARLY_WARNING);
    assert (proto_kind_parse ("near-miss") == PROTO_KIND_NEAR_MISS);
    assert (proto_kind_parse ("drill") == PROTO_KIND_DRILL);
    assert (proto_kind_parse ("receipt") == PROTO_KIND_RECEIPT);
    assert (proto_kind_parse ("ACK") == PROTO_KIND_ACK);
    assert (proto_kind_parse ("Incident") == PROTO_KIND_INCIDENT);
    assert (proto_kind_parse ("warning") == 0);
    assert (proto_kind_parse ("") == 0);
    assert (proto_kind_parse (NULL) == 0);
    assert (proto_kind_name (0) == NULL);
    assert (proto_kind_name (PROTO_KIND_MAX + 1) == NULL);
    assert (proto_kind_name (-1) == NULL);
    assert (!strcmp (proto_kind_name (PROTO_KIND_DAMAGE_STATUS),
                     "damage-status"));

    assert (proto_sector_parse ("telecom") == PROTO_SECTOR_TELECOM);
    assert (proto_sector_parse ("non-life-insurance")
            == PROTO_SECTOR_NON_LIFE_INSURANCE);
    assert (proto_sector_parse ("local-government")
            == PROTO_SECTOR_LOCAL_GOVERNMENT);
    assert (proto_sector_parse ("Ports") == PROTO_SECTOR_PORTS);
    assert (proto_sector_parse ("cable tv") == 0);
    assert (proto_sector_name (PROTO_SECTOR_MAX + 1) == NULL);
    assert (!strcmp (proto_sector_name (PROTO_SECTOR_PETROLEUM),
                     "petroleum"));

    assert (proto_relation_parse ("retraction") == PROTO_REL_RETRACTION);
    assert (proto_relation_parse ("acknowledges") == PROTO_REL_ACKNOWLEDGES);
    assert (proto_relation_parse ("ack") == 0);
    assert (proto_relation_name (PROTO_REL_MAX + 1) == NULL);
    assert (!strcmp (proto_relation_name (PROTO_REL_REPLY), "reply"));

    /* Every value round-trips through its name; names are lowercase
       [a-z-] and unique within their table. */
    for (int v = 1; v <= PROTO_KIND_MAX; v++) {
        assert (proto_kind_parse (proto_kind_name (v)) == (proto_kind_t) v);
        for (const char *p = proto_kind_name (v); *p; p++)
            assert ((*p >= 'a' && *p <= 'z') || *p == '-');
    }
    for (int v = 1; v <= PROTO_SECTOR_MAX; v++) {
        assert (proto_sector_parse (proto_sector_name (v))
                == (proto_sector_t) v);
        for (const char *p = proto_sector_name (v); *p; p++)
            assert ((*p >= 'a' && *p <= 'z') || *p == '-');
    }
    for (int v = 1; v <= PROTO_REL_MAX; v++)
        assert (proto_relation_parse (proto_relation_name (v))
                == (proto_relation_t) v);

    for (int v = 0; v <= PROTO_SEVERITY_MAX; v++) {
        char text[2] = { (char) ('0' + v), '\0' };
        assert (proto_severity_parse (text) == v);
    }
    assert (proto_severity_parse ("5") == -1);
    assert (proto_severity_parse ("-1") == -1);
    assert (proto_severity_parse ("04") == -1);
    assert (proto_severity_parse ("1 ") == -1);
    assert (proto_severity_parse ("") == -1);
    assert (proto_severity_parse ("x") == -1);
    assert (proto_severity_parse (NULL) == -1);

    if (verbose)
        printf ("(%d kinds, %d sectors, %d relations) ", PROTO_KIND_MAX,
                PROTO_SECTOR_MAX, PROTO_REL_MAX);
    printf ("OK\n");
}
