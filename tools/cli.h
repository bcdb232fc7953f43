/* SPDX-License-Identifier: MPL-2.0 */
/* cli: the commands of the ceptoar operator CLI and what they share. */
#ifndef CLI_H
#define CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include "../keys/keys.h"
#include "../node/node_dir.h"
#include "tool_util.h"

/* Each command takes argc/argv starting at its own name and returns the
   process exit code (tool_util.h).                                          */
int cli_init (int argc, char *argv[]);
int cli_post (int argc, char *argv[]);
int cli_list (int argc, char *argv[]);
int cli_show (int argc, char *argv[]);
int cli_fsck (int argc, char *argv[]);

/* ------------------------------------------------------------------------
   Open NODEDIR, printing a clear error on failure (NULL).                   */
node_dir_t *cli_open_dir (const char *dir);

/* ------------------------------------------------------------------------
   Resolve an entry id given as 64 hex characters or a unique prefix of at
   least 8. Returns 0 and fills id; prints an error and returns -1 if none
   or several entries match.                                                 */
int cli_resolve_id (node_dir_t *dir, const char *text,
                    uint8_t id[PROTO_HASH_BYTES]);

/* Keys to open RED payloads with, if this invocation may use them.         */
typedef struct {
    keys_secret_t *key;          /* NULL: sealed payloads stay sealed        */
    const char *note;            /* why key is NULL, said once when a sealed
                                    payload is met; NULL once said          */
} cli_opener_t;

/* ------------------------------------------------------------------------
   Open the node's key for reading RED payloads: without a passphrase if the
   key is unencrypted, with pass_file if given; otherwise leave it closed
   (never prompts). Never fails: a key that cannot be opened only means
   sealed payloads are shown as sealed (a note on stderr says why).          */
void cli_opener_init (cli_opener_t *self, node_dir_t *dir,
                      const char *pass_file);
void cli_opener_destroy (cli_opener_t *self);

/* ------------------------------------------------------------------------
   An entry as JSON (id, author, seq, level, audience, time, payload state
   and, when readable, payload fields). Caller owns the result.              */
json_t *cli_entry_json (const node_entry_t *entry, const keys_roster_t *roster,
                        cli_opener_t *opener);

/* ------------------------------------------------------------------------
   Print one line for list, or the full text for show.                       */
void cli_entry_line (FILE *out, const node_entry_t *entry,
                     const keys_roster_t *roster, cli_opener_t *opener);
void cli_entry_full (FILE *out, const node_entry_t *entry,
                     const keys_roster_t *roster, cli_opener_t *opener);

/* ------------------------------------------------------------------------
   Decode an entry's payload for display into *payload, opening a sealed
   one if possible. Returns 0 if readable (and *plain, to free with free(),
   backs the borrowed fields), 1 if sealed and not openable, 2 if the
   payload is not held, -1 if it is held but malformed.                      */
int cli_entry_payload (const node_entry_t *entry, cli_opener_t *opener,
                       proto_payload_t *payload, uint8_t **plain);

/* ------------------------------------------------------------------------
   Author display name: roster name or fingerprint.                          */
void cli_author_name (const keys_roster_t *roster, const uint8_t *pk,
                      char *out, size_t len);

#endif
