/* SPDX-License-Identifier: MPL-2.0 */
/* keys_cmd_share: the "split" and "recover" commands of ceptoar-keys
   (k-of-n backup of a node's secret key among its custodians). */
#ifndef KEYS_CMD_SHARE_H
#define KEYS_CMD_SHARE_H

/* ------------------------------------------------------------------------
   Run a command; argv[0] is the command name ("split" or "recover"), the
   options follow. proto_init must have been called. Returns the exit code:
   0 success, 1 a check failed (a damaged, mismatched or missing share, a
   wrong passphrase), 2 a usage or I/O error.                                */
int keys_cmd_split (int argc, char *argv[]);
int keys_cmd_recover (int argc, char *argv[]);

#endif
