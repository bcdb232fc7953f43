/* SPDX-License-Identifier: MPL-2.0 */
/* keys_cmd_notice: the "revoke-cert" and "card-update" commands of
   ceptoar-keys (statements a member signs with its own key alone). */
#ifndef KEYS_CMD_NOTICE_H
#define KEYS_CMD_NOTICE_H

/* ------------------------------------------------------------------------
   Run a command; argv[0] is the command name, the options follow.
   proto_init must have been called. Returns the exit code: 0 success,
   1 a check failed (a wrong passphrase), 2 a usage or I/O error.           */
int keys_cmd_revoke_cert (int argc, char *argv[]);
int keys_cmd_card_update (int argc, char *argv[]);

#endif
