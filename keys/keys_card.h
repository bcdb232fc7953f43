/* SPDX-License-Identifier: MPL-2.0 */
/* keys_card: a node's public identity card: name, sector, public keys,
   endpoints and fingerprint, as human-readable and machine-parsed text. */
#ifndef KEYS_CARD_H
#define KEYS_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../protocol/protocol.h"

/* Text form (docs/formats.md), every line "field: value", in this order,
   '#' comment lines and blank lines allowed only before the first line:
       ceptoar-card: 1
       name: T-CEPTOAR
       sector: telecom
       sign-key: <64 hex>
       box-key: <64 hex>
       endpoint: tcp://127.0.0.1:7001        (0..KEYS_ENDPOINTS_MAX lines)
       fingerprint: <32 hex>                 (must match sign-key)
   Parsing is strict: unknown fields, repeats, wrong order, bad hex, a
   fingerprint that does not match, and over-long values are refused.       */

#define KEYS_NAME_MAX 64          /* [A-Za-z0-9._-], starts alphanumeric     */
#define KEYS_ENDPOINT_MAX 255     /* tcp://host:port or ipc://path           */
#define KEYS_ENDPOINTS_MAX 8
#define KEYS_CARD_TEXT_MAX 4096

typedef struct {
    char name[KEYS_NAME_MAX + 1];                   /* NUL-terminated         */
    proto_sector_t sector;
    uint8_t sign_pk[PROTO_PK_BYTES];
    uint8_t box_pk[PROTO_BOXPK_BYTES];
    size_t endpoint_count;
    char endpoints[KEYS_ENDPOINTS_MAX][KEYS_ENDPOINT_MAX + 1];
} keys_card_t;

/* ------------------------------------------------------------------------
   True if name is a valid member name; endpoint a valid endpoint
   ("tcp://HOST:PORT" with PORT 1..65535, or "ipc://PATH").                  */
bool keys_name_valid (const char *name);
bool keys_endpoint_valid (const char *endpoint);

/* ------------------------------------------------------------------------
   Format as text into a fresh NUL-terminated string; caller frees with
   free(). Returns NULL if a field is invalid.                               */
char *keys_card_format (const keys_card_t *self);

/* ------------------------------------------------------------------------
   Parse text[0..len). Returns 0, or -1 with a one-line reason in err
   (errlen bytes), naming the line and the offending value.                  */
int keys_card_parse (keys_card_t *self, const char *text, size_t len,
                     char *err, size_t errlen);

/* ------------------------------------------------------------------------
   Load from / save to a file (save refuses to replace an existing file,
   mode 0644). Return 0 or -1 with a reason in err.                          */
int keys_card_load (keys_card_t *self, const char *path, char *err,
                    size_t errlen);
int keys_card_save (const keys_card_t *self, const char *path, char *err,
                    size_t errlen);

void
    keys_card_test (bool verbose);

#endif
