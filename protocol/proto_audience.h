/* SPDX-License-Identifier: MPL-2.0 */
/* proto_audience: who may read a payload: the council, a sharing group, or
   named nodes. */
#ifndef PROTO_AUDIENCE_H
#define PROTO_AUDIENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto_crypto.h"
#include "proto_reject.h"

/* The audience is part of the signed header, so it is stored in canonical
   form: a group by its roster name, named nodes by their Ed25519 public keys
   sorted ascending without repeats. Resolving names and fingerprints to keys
   needs the roster and is done in keys/ (keys_roster_resolve_audience).     */
typedef enum {
    PROTO_AUDIENCE_COUNCIL = 1,
    PROTO_AUDIENCE_GROUP = 2,
    PROTO_AUDIENCE_NODES = 3,
} proto_audience_type_t;

#define PROTO_GROUP_NAME_MAX 32     /* bytes, [a-z0-9-], starts with a letter */
#define PROTO_AUDIENCE_MAX_NODES 64

/* A plain value type; copy it freely.                                       */
typedef struct {
    proto_audience_type_t type;
    char group[PROTO_GROUP_NAME_MAX + 1];           /* GROUP: NUL-terminated */
    uint8_t node_count;                             /* NODES: 1..MAX         */
    uint8_t nodes[PROTO_AUDIENCE_MAX_NODES][PROTO_PK_BYTES]; /* sorted       */
} proto_audience_t;

/* ------------------------------------------------------------------------
   Set the audience to the whole council, or to a group. _group returns -1
   if name is not a valid group name (see PROTO_GROUP_NAME_MAX).             */
void proto_audience_set_council (proto_audience_t *self);
int proto_audience_set_group (proto_audience_t *self, const char *name);

/* ------------------------------------------------------------------------
   Start a named-nodes audience and add keys to it; keys are kept sorted and
   a repeated key is ignored. _add returns -1 when the list is full.         */
void proto_audience_set_nodes (proto_audience_t *self);
int proto_audience_add_node (proto_audience_t *self,
                             const uint8_t pk[PROTO_PK_BYTES]);

/* ------------------------------------------------------------------------
   True if pk is one of the named nodes (false for COUNCIL and GROUP: those
   need the roster, see keys_disclosure).                                    */
bool proto_audience_names_node (const proto_audience_t *self,
                                const uint8_t pk[PROTO_PK_BYTES]);

/* ------------------------------------------------------------------------
   True if name is a valid group name.                                       */
bool proto_group_name_valid (const char *name, size_t len);

/* ------------------------------------------------------------------------
   Encoded size in bytes (type octet included).                              */
size_t proto_audience_encoded_size (const proto_audience_t *self);

/* ------------------------------------------------------------------------
   Encode into buf (cap bytes). Returns bytes written, or 0 if cap is too
   small or the value is invalid.                                            */
size_t proto_audience_encode (const proto_audience_t *self, uint8_t *buf,
                              size_t cap);

/* ------------------------------------------------------------------------
   Strictly decode from buf[0..len); *used receives the bytes consumed.
   Returns PROTO_OK or the reason.                                           */
proto_reject_t proto_audience_decode (proto_audience_t *self,
                                      const uint8_t *buf, size_t len,
                                      size_t *used);

void
    proto_audience_test (bool verbose);

#endif
