/* SPDX-License-Identifier: MPL-2.0 */
/* proto_payload: the plaintext payload: kind, severity, sectors, title,
   body, references, attachments and reporter; canonical encoding. */
#ifndef PROTO_PAYLOAD_H
#define PROTO_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto_crypto.h"
#include "proto_reject.h"
#include "proto_vocab.h"

#define PROTO_PAYLOAD_MAGIC0 0xCE
#define PROTO_PAYLOAD_MAGIC1 0xB1
#define PROTO_PAYLOAD_VERSION 1

/* Limits (bytes or counts). The whole encoding is also bounded by
   PROTO_PAYLOAD_MAX (proto_entry.h).                                        */
#define PROTO_TITLE_MAX 256
#define PROTO_REFS_MAX 32
#define PROTO_ATTACH_MAX 16
#define PROTO_ATTACH_NAME_MAX 255
#define PROTO_REPORTER_MAX 128

typedef enum {
    PROTO_REPORTER_NONE = 0,       /* the author node speaks for itself     */
    PROTO_REPORTER_NAMED = 1,      /* a member company, by name             */
    PROTO_REPORTER_ANONYMISED = 2, /* a member company, shown as its sector */
} proto_reporter_type_t;

typedef struct {
    uint8_t relation;                      /* proto_relation_t               */
    uint8_t id[PROTO_HASH_BYTES];          /* referenced entry id            */
} proto_ref_t;

typedef struct {
    uint8_t hash[PROTO_HASH_BYTES];        /* BLAKE2b-256 of the content     */
    uint64_t size;                         /* bytes of the content           */
    const char *name;                      /* UTF-8, no '/', not NUL-ended   */
    size_t name_len;                       /* 1..PROTO_ATTACH_NAME_MAX       */
} proto_attachment_t;

/* A plain value. Text fields are (pointer, length) pairs, not NUL-ended.
   After proto_payload_decode they borrow from the decoded buffer and live
   as long as it does. Sectors are kept sorted without repeats.              */
typedef struct {
    proto_kind_t kind;
    uint8_t severity;                      /* 0..PROTO_SEVERITY_MAX          */
    uint8_t sector_count;
    uint8_t sectors[PROTO_SECTOR_MAX];     /* proto_sector_t, ascending      */
    const char *title;                     /* 1..PROTO_TITLE_MAX bytes       */
    size_t title_len;
    const char *body;                      /* 0..PROTO_PAYLOAD_MAX bytes     */
    size_t body_len;
    uint8_t ref_count;
    proto_ref_t refs[PROTO_REFS_MAX];      /* in the author's order          */
    uint8_t attachment_count;
    proto_attachment_t attachments[PROTO_ATTACH_MAX];
    proto_reporter_type_t reporter_type;
    const char *reporter_name;             /* NAMED: 1..PROTO_REPORTER_MAX   */
    size_t reporter_name_len;
    uint8_t reporter_sector;               /* ANONYMISED: proto_sector_t     */
} proto_payload_t;

/* ------------------------------------------------------------------------
   Zero the value and set kind and severity.                                 */
void proto_payload_init (proto_payload_t *self, proto_kind_t kind,
                         uint8_t severity);

/* ------------------------------------------------------------------------
   Add a sector, keeping them sorted; a repeat is ignored. Returns -1 if the
   sector is not valid.                                                      */
int proto_payload_add_sector (proto_payload_t *self, proto_sector_t sector);

/* ------------------------------------------------------------------------
   Add a reference. Returns -1 if the relation is invalid or the list full.  */
int proto_payload_add_ref (proto_payload_t *self, proto_relation_t relation,
                           const uint8_t id[PROTO_HASH_BYTES]);

/* ------------------------------------------------------------------------
   Encoded size, or 0 if any field is invalid or the total is over
   PROTO_PAYLOAD_MAX.                                                        */
size_t proto_payload_encoded_size (const proto_payload_t *self);

/* ------------------------------------------------------------------------
   Encode into buf (cap bytes). Returns bytes written, or 0 if a field is
   invalid (bad UTF-8, a limit passed, unknown kind ...) or cap too small.   */
size_t proto_payload_encode (const proto_payload_t *self, uint8_t *buf,
                             size_t cap);

/* ------------------------------------------------------------------------
   Strictly decode buf[0..len) (no trailing bytes). Text fields of self
   borrow from buf. Returns PROTO_OK or the reason.                          */
proto_reject_t proto_payload_decode (proto_payload_t *self,
                                     const uint8_t *buf, size_t len);

/* ------------------------------------------------------------------------
   True if a and b hold the same value, field by field; text is compared by
   content, so a decoded payload equals the one it was encoded from.        */
bool proto_payload_eq (const proto_payload_t *a, const proto_payload_t *b);

/* ------------------------------------------------------------------------
   The header flags an entry with this payload gets whatever its poster
   asked (protocol.md 5.4): PROTO_FLAG_RECEIPT for drills and severity 3
   or 4, PROTO_FLAG_URGENT for severity 4 and early warnings of severity 3
   or more. Posters OR these into the flags they were asked for.           */
uint8_t proto_payload_implied_flags (const proto_payload_t *self);

/* ------------------------------------------------------------------------
   True if buf starts with the plaintext payload signature octets.           */
bool proto_payload_is_plaintext (const uint8_t *buf, size_t len);

void
    proto_payload_test (bool verbose);

#endif
