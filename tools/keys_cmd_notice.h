/* SPDX-License-Identifier: MPL-2.0 */
/* keys_cmd_notice: the "revoke-cert" and "card-update" commands of
   ceptoar-keys (statements a member signs with its own key alone). */
#ifndef KEYS_CMD_NOTICE_H
#define KEYS_CMD_NOTICE_H

#include <stddef.h>
#include "../keys/keys_notice.h"

/* ------------------------------------------------------------------------
   Run a command; argv[0] is the command name, the options follow.
   proto_init must have been called. Returns the exit code: 0 success,
   1 a check failed (a wrong passphrase), 2 a usage or I/O error.           */
int keys_cmd_revoke_cert (int argc, char *argv[]);
int keys_cmd_card_update (int argc, char *argv[]);

/* ------------------------------------------------------------------------
   Load what --notices names, for roster combine and verify: each path a
   revocation certificate (or card update) or a node's notices file, every
   notice verified. Tells on stderr which keys are revoked (their
   signatures will count for nothing). Returns 0 and a new set in *set
   (caller destroys), or the exit code: 1 a file is not valid, 2 it cannot
   be read.                                                                  */
int keys_cmd_notices_load (const char *const *paths, size_t n,
                           keys_notice_set_t **set);

/* ------------------------------------------------------------------------
   One --notices FILE option: add path to paths[*count] (at most
   KEYS_CMD_NOTICES_MAX). Returns 0, or prints why not and returns 2.       */
#define KEYS_CMD_NOTICES_MAX 64
int keys_cmd_notices_option (const char *path, const char **paths,
                             size_t *count);

#endif
