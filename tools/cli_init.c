/* SPDX-License-Identifier: MPL-2.0 */
/* cli_init: `ceptoar init`: create a node directory. */

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

#define ERR_LEN 512
#define INIT_MAX_ROSTERS 64

static const char *s_usage =
    "usage: ceptoar init --dir NODEDIR --key KEYFILE --roster ROSTER...\n"
    "                    [--listen ENDPOINT] [--passphrase-file FILE]\n"
    "\n"
    "Creates a node directory: checks that the roster chain is valid from\n"
    "its genesis, that the key belongs to one of its members, then copies\n"
    "the key file (mode 0600), keeps the newest roster, writes the\n"
    "configuration (ceptoard.cfg, ZPL) and creates the store. NODEDIR must\n"
    "not exist or be empty. The key's passphrase is asked once to prove the\n"
    "key opens.\n"
    "\n"
    "  --dir NODEDIR          the node directory to create\n"
    "  --key KEYFILE          this node's secret key (from ceptoar-keys gen)\n"
    "  --roster ROSTER        the genesis roster; repeat for each later\n"
    "                         version, oldest first\n"
    "  --listen ENDPOINT      where this node listens, e.g. "
    "tcp://127.0.0.1:7001\n"
    "  --passphrase-file FILE read the key's passphrase from FILE\n";

int
cli_init (int argc, char *argv[])
{
    static const struct option options[] = {
        { "dir", required_argument, NULL, 'd' },
        { "key", required_argument, NULL, 'k' },
        { "roster", required_argument, NULL, 'r' },
        { "listen", required_argument, NULL, 'l' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir = NULL, *key_path = NULL, *listen = NULL;
    const char *pass_file = NULL;
    const char *roster_paths[INIT_MAX_ROSTERS];
    size_t roster_count = 0;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': dir = optarg; break;
        case 'k': key_path = optarg; break;
        case 'l': listen = optarg; break;
        case 'p': pass_file = optarg; break;
        case 'r':
            if (roster_count == INIT_MAX_ROSTERS) {
                tool_error ("at most %d --roster files", INIT_MAX_ROSTERS);
                return TOOL_EXIT_USAGE;
            }
            roster_paths[roster_count++] = optarg;
            break;
        case 'h': fputs (s_usage, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!dir || !key_path || !roster_count || optind != argc) {
        tool_error ("init needs --dir, --key and --roster");
        fputs (s_usage, stderr);
        return TOOL_EXIT_USAGE;
    }
    if (listen && !keys_endpoint_valid (listen)) {
        tool_error ("invalid --listen \"%s\": use tcp://HOST:PORT", listen);
        return TOOL_EXIT_USAGE;
    }
    int rc = TOOL_EXIT_USAGE;
    char err[ERR_LEN];
    keys_roster_t *chain[INIT_MAX_ROSTERS] = { NULL };
    keys_secret_t *key = NULL;
    for (size_t i = 0; i < roster_count; i++) {
        chain[i] = keys_roster_load (roster_paths[i], err, sizeof err);
        if (!chain[i]) {
            tool_error ("roster '%s': %s", roster_paths[i], err);
            goto done;
        }
    }
    size_t bad = 0;
    if (keys_roster_verify_chain (chain, roster_count, false, &bad, err,
                                  sizeof err) != 0) {
        tool_error ("roster '%s' is not valid: %s (a node trusts only a "
                    "chain from the genesis)", roster_paths[bad], err);
        rc = TOOL_EXIT_FAIL;
        goto done;
    }
    key = tool_open_key (key_path, pass_file, &rc);
    if (!key)
        goto done;
    const keys_roster_t *in_force = chain[roster_count - 1];
    if (node_dir_create (dir, key_path, key, chain, roster_count, listen, err,
                         sizeof err) != 0) {
        tool_error ("%s", err);
        rc = TOOL_EXIT_USAGE;
        goto done;
    }
    const keys_member_t *self
        = keys_roster_member_by_key (in_force, keys_secret_sign_pk (key));
    printf ("node directory %s ready for %s (roster version %" PRIu64
            ", %zu members)\n", dir, self->card.name,
            keys_roster_version (in_force),
            keys_roster_member_count (in_force));
    rc = TOOL_EXIT_OK;
done:
    keys_secret_destroy (&key);
    for (size_t i = 0; i < roster_count; i++)
        keys_roster_destroy (&chain[i]);
    return rc;
}
