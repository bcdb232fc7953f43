/* SPDX-License-Identifier: MPL-2.0 */
/* proto_audience: who may read a payload: the council, a sharing group, or
   named nodes. */

/* The audience value and its canonical encoding inside the entry header:

       council:  %x01
       group:    %x02 len:u8(1..32) name([a-z][a-z0-9-]*)
       nodes:    %x03 count:u8(1..64) count * Ed25519 key (32 bytes each,
                 strictly ascending by memcmp)

   Building a value keeps it canonical (nodes sorted, repeats dropped), so
   whatever a caller builds encodes to the one encoding a decoder accepts.
   This module does not resolve groups or check that nodes are roster
   members: that needs the roster and lives in keys/.                        */

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "proto_audience.h"

/* ------------------------------------------------------------------------
   Whole council.                                                            */
void
proto_audience_set_council (proto_audience_t *self)
{
    assert (self);
    memset (self, 0, sizeof *self);
    self->type = PROTO_AUDIENCE_COUNCIL;
}

/* ------------------------------------------------------------------------
   A sharing group by roster name; -1 (self unchanged) if name is invalid.   */
int
proto_audience_set_group (proto_audience_t *self, const char *name)
{
    assert (self);
    assert (name);
    size_t len = strnlen (name, PROTO_GROUP_NAME_MAX + 1);
    if (!proto_group_name_valid (name, len))
        return -1;
    memset (self, 0, sizeof *self);
    self->type = PROTO_AUDIENCE_GROUP;
    memcpy (self->group, name, len);
    return 0;
}

/* ------------------------------------------------------------------------
   An empty named-nodes list; add at least one node before encoding.         */
void
proto_audience_set_nodes (proto_audience_t *self)
{
    assert (self);
    memset (self, 0, sizeof *self);
    self->type = PROTO_AUDIENCE_NODES;
}

/* ------------------------------------------------------------------------
   Insert pk in sorted position; a repeat is ignored (returns 0).            */
int
proto_audience_add_node (proto_audience_t *self,
                         const uint8_t pk[PROTO_PK_BYTES])
{
    assert (self);
    assert (pk);
    assert (self->type == PROTO_AUDIENCE_NODES);
    size_t at = 0;
    while (at < self->node_count) {
        int cmp = memcmp (self->nodes[at], pk, PROTO_PK_BYTES);
        if (cmp == 0)
            return 0;
        if (cmp > 0)
            break;
        at++;
    }
    if (self->node_count >= PROTO_AUDIENCE_MAX_NODES)
        return -1;
    memmove (self->nodes[at + 1], self->nodes[at],
             (self->node_count - at) * PROTO_PK_BYTES);
    memcpy (self->nodes[at], pk, PROTO_PK_BYTES);
    self->node_count++;
    return 0;
}

/* ------------------------------------------------------------------------
   Named-node membership; false for council and group audiences.             */
bool
proto_audience_names_node (const proto_audience_t *self,
                           const uint8_t pk[PROTO_PK_BYTES])
{
    assert (self);
    assert (pk);
    if (self->type != PROTO_AUDIENCE_NODES)
        return false;
    size_t count = self->node_count;
    if (count > PROTO_AUDIENCE_MAX_NODES)
        count = PROTO_AUDIENCE_MAX_NODES;
    for (size_t i = 0; i < count; i++)
        if (!memcmp (self->nodes[i], pk, PROTO_PK_BYTES))
            return true;
    return false;
}

/* ------------------------------------------------------------------------
   [a-z][a-z0-9-]*, 1..PROTO_GROUP_NAME_MAX bytes.                           */
bool
proto_group_name_valid (const char *name, size_t len)
{
    if (!name || len < 1 || len > PROTO_GROUP_NAME_MAX)
        return false;
    if (name[0] < 'a' || name[0] > 'z')
        return false;
    for (size_t i = 1; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

/* ------------------------------------------------------------------------
   True if the value is one a decoder would produce: known type, valid
   NUL-terminated group name, 1..64 nodes strictly ascending.                */
static bool
s_valid (const proto_audience_t *self)
{
    switch (self->type) {
        case PROTO_AUDIENCE_COUNCIL:
            return true;
        case PROTO_AUDIENCE_GROUP: {
            size_t len = strnlen (self->group, sizeof self->group);
            return len < sizeof self->group
                   && proto_group_name_valid (self->group, len);
        }
        case PROTO_AUDIENCE_NODES:
            if (self->node_count < 1
                || self->node_count > PROTO_AUDIENCE_MAX_NODES)
                return false;
            for (size_t i = 1; i < self->node_count; i++)
                if (memcmp (self->nodes[i - 1], self->nodes[i],
                            PROTO_PK_BYTES) >= 0)
                    return false;
            return true;
    }
    return false;
}

/* ------------------------------------------------------------------------
   Encoded size; 0 for an invalid value.                                     */
size_t
proto_audience_encoded_size (const proto_audience_t *self)
{
    assert (self);
    if (!s_valid (self))
        return 0;
    switch (self->type) {
        case PROTO_AUDIENCE_COUNCIL:
            return 1;
        case PROTO_AUDIENCE_GROUP:
            return 2 + strlen (self->group);
        case PROTO_AUDIENCE_NODES:
            return 2 + (size_t) self->node_count * PROTO_PK_BYTES;
    }
    return 0;
}

/* ------------------------------------------------------------------------
   Canonical encoding; 0 if invalid or cap too small.                        */
size_t
proto_audience_encode (const proto_audience_t *self, uint8_t *buf,
                       size_t cap)
{
    assert (self);
    assert (buf || cap == 0);
    size_t size = proto_audience_encoded_size (self);
    if (size == 0 || size > cap)
        return 0;
    buf[0] = (uint8_t) self->type;
    if (self->type == PROTO_AUDIENCE_GROUP) {
        buf[1] = (uint8_t) (size - 2);
        memcpy (buf + 2, self->group, size - 2);
    }
    else if (self->type == PROTO_AUDIENCE_NODES) {
        buf[1] = self->node_count;
        memcpy (buf + 2, self->nodes, size - 2);
    }
    return size;
}

/* ------------------------------------------------------------------------
   Strict decode. Limits are checked before lengths, so an absurd count is
   reported as OVERSIZE whether or not the bytes follow.                     */
proto_reject_t
proto_audience_decode (proto_audience_t *self, const uint8_t *buf,
                       size_t len, size_t *used)
{
    assert (self);
    assert (buf || len == 0);
    assert (used);
    memset (self, 0, sizeof *self);
    *used = 0;
    if (len < 1)
        return PROTO_REJECT_TRUNCATED;
    uint8_t type = buf[0];
    if (type == PROTO_AUDIENCE_COUNCIL) {
        self->type = PROTO_AUDIENCE_COUNCIL;
        *used = 1;
        return PROTO_OK;
    }
    if (type != PROTO_AUDIENCE_GROUP && type != PROTO_AUDIENCE_NODES)
        return PROTO_REJECT_FIELD;
    if (len < 2)
        return PROTO_REJECT_TRUNCATED;
    size_t count = buf[1];
    if (count == 0)
        return PROTO_REJECT_FIELD;
    if (type == PROTO_AUDIENCE_GROUP) {
        if (count > PROTO_GROUP_NAME_MAX)
            return PROTO_REJECT_OVERSIZE;
        if (len - 2 < count)
            return PROTO_REJECT_TRUNCATED;
        if (!proto_group_name_valid ((const char *) buf + 2, count))
            return PROTO_REJECT_FIELD;
        self->type = PROTO_AUDIENCE_GROUP;
        memcpy (self->group, buf + 2, count);
        *used = 2 + count;
        return PROTO_OK;
    }
    if (count > PROTO_AUDIENCE_MAX_NODES)
        return PROTO_REJECT_OVERSIZE;
    if ((len - 2) / PROTO_PK_BYTES < count)
        return PROTO_REJECT_TRUNCATED;
    const uint8_t *keys = buf + 2;
    /* One encoding per audience: keys strictly ascending, so no repeats
       and no reordering of the same set. */
    for (size_t i = 1; i < count; i++)
        if (memcmp (keys + (i - 1) * PROTO_PK_BYTES,
                    keys + i * PROTO_PK_BYTES, PROTO_PK_BYTES) >= 0) {
            memset (self, 0, sizeof *self);
            return PROTO_REJECT_NONCANONICAL;
        }
    self->type = PROTO_AUDIENCE_NODES;
    self->node_count = (uint8_t) count;
    memcpy (self->nodes, keys, count * PROTO_PK_BYTES);
    *used = 2 + count * PROTO_PK_BYTES;
    return PROTO_OK;
}

/* ------------------------------------------------------------------------
   Selftest.                                                                 */
void
proto_audience_test (bool verbose)
{
    printf (" * proto_audience: ");
    fflush (stdout);
    proto_audience_t a, b;
    uint8_t buf[2 + PROTO_AUDIENCE_MAX_NODES * PROTO_PK_BYTES + 8];
    size_t used;

    /* Council */
    proto_audience_set_council (&a);
    assert (proto_audience_encoded_size (&a) == 1);
    assert (proto_audience_encode (&a, buf, sizeof buf) == 1);
    assert (buf[0] == 1);
    assert (proto_audience_encode (&a, buf, 0) == 0);
    assert (proto_audience_decode (&b, buf, 1, &used) == PROTO_OK);
    /* Whole values compared on purpose: decoding memsets them first. */
    /* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison) */
    assert (used == 1 && !memcmp (&a, &b, sizeof a));
    assert (proto_audience_decode (&b, buf, 0, &used)
            == PROTO_REJECT_TRUNCATED);
    /* Trailing bytes belong to the caller: decode reports what it used. */
    buf[1] = 0xAA;
    assert (proto_audience_decode (&b, buf, 2, &used) == PROTO_OK);
    assert (used == 1);

    /* Group names */
    assert (proto_group_name_valid ("financial", 9));
    assert (proto_group_name_valid ("f", 1));
    assert (proto_group_name_valid ("wg-2", 4));
    assert (proto_group_name_valid ("a-", 2));
    assert (!proto_group_name_valid ("", 0));
    assert (!proto_group_name_valid ("2wg", 3));
    assert (!proto_group_name_valid ("-wg", 3));
    assert (!proto_group_name_valid ("Financial", 9));
    assert (!proto_group_name_valid ("fin ance", 8));
    assert (!proto_group_name_valid ("fin_ance", 8));
    assert (!proto_group_name_valid ("fin\0x", 5));
    assert (!proto_group_name_valid (NULL, 0));
    char name[PROTO_GROUP_NAME_MAX + 2];
    memset (name, 'g', sizeof name);
    assert (proto_group_name_valid (name, PROTO_GROUP_NAME_MAX));
    assert (!proto_group_name_valid (name, PROTO_GROUP_NAME_MAX + 1));
    name[PROTO_GROUP_NAME_MAX + 1] = '\0';
    assert (proto_audience_set_group (&a, name) == -1);
    assert (a.type == PROTO_AUDIENCE_COUNCIL);      /* left unchanged */
    name[PROTO_GROUP_NAME_MAX] = '\0';
    assert (proto_audience_set_group (&a, name) == 0);
    assert (proto_audience_encoded_size (&a) == 2 + PROTO_GROUP_NAME_MAX);
    assert (proto_audience_set_group (&a, "Bad") == -1);

    /* Group round trip and decode errors */
    assert (proto_audience_set_group (&a, "financial") == 0);
    size_t size = proto_audience_encode (&a, buf, sizeof buf);
    assert (size == 11);
    assert (buf[0] == 2 && buf[1] == 9 && !memcmp (buf + 2, "financial", 9));
    assert (proto_audience_decode (&b, buf, size, &used) == PROTO_OK);
    /* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison) */
    assert (used == size && !memcmp (&a, &b, sizeof a));
    assert (!strcmp (b.group, "financial"));
    for (size_t cut = 0; cut < size; cut++)
        assert (proto_audience_decode (&b, buf, cut, &used)
                == PROTO_REJECT_TRUNCATED);
    buf[1] = 0;
    assert (proto_audience_decode (&b, buf, size, &used)
            == PROTO_REJECT_FIELD);
    buf[1] = PROTO_GROUP_NAME_MAX + 1;
    assert (proto_audience_decode (&b, buf, size, &used)
            == PROTO_REJECT_OVERSIZE);
    buf[1] = 9;
    buf[2] = 'F';
    assert (proto_audience_decode (&b, buf, size, &used)
            == PROTO_REJECT_FIELD);
    buf[0] = 0;
    assert (proto_audience_decode (&b, buf, size, &used)
            == PROTO_REJECT_FIELD);
    buf[0] = 4;
    assert (proto_audience_decode (&b, buf, size, &used)
            == PROTO_REJECT_FIELD);

    /* Nodes: kept sorted, repeats ignored, capped at the maximum. */
    uint8_t k1[PROTO_PK_BYTES], k2[PROTO_PK_BYTES], k3[PROTO_PK_BYTES];
    memset (k1, 0x11, sizeof k1);
    memset (k2, 0x22, sizeof k2);
    memset (k3, 0x33, sizeof k3);
    proto_audience_set_nodes (&a);
    assert (proto_audience_encoded_size (&a) == 0);    /* empty: invalid */
    assert (proto_audience_encode (&a, buf, sizeof buf) == 0);
    assert (proto_audience_add_node (&a, k3) == 0);
    assert (proto_audience_add_node (&a, k1) == 0);
    assert (proto_audience_add_node (&a, k2) == 0);
    assert (proto_audience_add_node (&a, k1) == 0);
    assert (a.node_count == 3);
    assert (!memcmp (a.nodes[0], k1, 32) && !memcmp (a.nodes[1], k2, 32)
            && !memcmp (a.nodes[2], k3, 32));
    assert (proto_audience_names_node (&a, k2));
    uint8_t k4[PROTO_PK_BYTES];
    memset (k4, 0x44, sizeof k4);
    assert (!proto_audience_names_node (&a, k4));
    proto_audience_t council;
    proto_audience_set_council (&council);
    assert (!proto_audience_names_node (&council, k1));

    size = proto_audience_encode (&a, buf, sizeof buf);
    assert (size == 2 + 3 * 32);
    assert (buf[0] == 3 && buf[1] == 3);
    assert (proto_audience_encode (&a, buf, size - 1) == 0);
    assert (proto_audience_decode (&b, buf, size, &used) == PROTO_OK);
    /* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison) */
    assert (used == size && !memcmp (&a, &b, sizeof a));
    for (size_t cut = 0; cut < size; cut++)
        assert (proto_audience_decode (&b, buf, cut, &used)
                == PROTO_REJECT_TRUNCATED);
    /* Swapped order and a repeat are both non-canonical. */
    uint8_t bad[2 + 3 * 32];
    memcpy (bad, buf, size);
    memcpy (bad + 2, k2, 32);
    memcpy (bad + 2 + 32, k1, 32);
    assert (proto_audience_decode (&b, bad, size, &used)
            == PROTO_REJECT_NONCANONICAL);
    memcpy (bad + 2, k2, 32);
    memcpy (bad + 2 + 32, k2, 32);
    assert (proto_audience_decode (&b, bad, size, &used)
            == PROTO_REJECT_NONCANONICAL);
    bad[1] = 0;
    assert (proto_audience_decode (&b, bad, size, &used)
            == PROTO_REJECT_FIELD);
    bad[1] = PROTO_AUDIENCE_MAX_NODES + 1;
    assert (proto_audience_decode (&b, bad, size, &used)
            == PROTO_REJECT_OVERSIZE);
    bad[1] = 255;
    assert (proto_audience_decode (&b, bad, size, &used)
            == PROTO_REJECT_OVERSIZE);

    /* A hand-made unsorted value does not encode. */
    b = a;
    memcpy (b.nodes[0], k3, 32);
    assert (proto_audience_encoded_size (&b) == 0);
    assert (proto_audience_encode (&b, buf, sizeof buf) == 0);
    b.type = (proto_audience_type_t) 9;
    assert (proto_audience_encode (&b, buf, sizeof buf) == 0);

    /* Fill to the maximum, in descending order to exercise insertion. */
    proto_audience_set_nodes (&a);
    for (int i = PROTO_AUDIENCE_MAX_NODES; i > 0; i--) {
        uint8_t k[PROTO_PK_BYTES];
        memset (k, 0, sizeof k);
        k[0] = (uint8_t) i;
        assert (proto_audience_add_node (&a, k) == 0);
    }
    assert (a.node_count == PROTO_AUDIENCE_MAX_NODES);
    assert (proto_audience_add_node (&a, k4) == -1);
    assert (proto_audience_add_node (&a, a.nodes[5]) == 0); /* repeat */
    size = proto_audience_encode (&a, buf, sizeof buf);
    assert (size == 2 + PROTO_AUDIENCE_MAX_NODES * 32);
    assert (proto_audience_decode (&b, buf, size, &used) == PROTO_OK);
    /* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison) */
    assert (!memcmp (&a, &b, sizeof a));
    for (size_t i = 0; i < PROTO_AUDIENCE_MAX_NODES; i++)
        assert (b.nodes[i][0] == i + 1);

    if (verbose)
        printf ("(max nodes %d) ", PROTO_AUDIENCE_MAX_NODES);
    printf ("OK\n");
}
