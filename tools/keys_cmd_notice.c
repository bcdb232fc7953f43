/* SPDX-License-Identifier: MPL-2.0 */
/* keys_cmd_notice: "ceptoar-keys revoke-cert" and "ceptoar-keys
   card-update": statements a member signs with its own key alone. */

/* A revocation certificate is made at the key ceremony, right after the
   key, and kept offline (a sealed envelope, a safe): if the key is lost
   or stolen, any operator hands it to any node ('ceptoar roster revoke')
   and the whole Council stops trusting the key, with no threshold and no
   need for the key itself. A card update publishes new endpoints for the
   member's own node; it needs no threshold either, and the newest serial
   wins. Both are keys_notice texts (docs/formats.md section 10).

   Exit codes: 0 success; 1 a check failed (wrong passphrase); 2 usage or
   I/O error.                                                                */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../keys/keys.h"
#include "keys_cmd_notice.h"
#include "keys_cmd_transcript.h"
#include "tool_util.h"

#define S_ERR_LEN 512

static const char *s_usage_revoke =
    "usage: ceptoar-keys revoke-cert --key KEYFILE --out FILE [--name NAME]\n"
    "                                [--passphrase-file FILE]\n"
    "                                [--transcript FILE]\n"
    "\n"
    "Pre-signs the revocation of this key, to be made at the key ceremony\n"
    "and kept offline. Whoever holds the file can revoke the key: any node\n"
    "takes it ('ceptoar roster revoke --dir NODEDIR FILE'), without a\n"
    "threshold, and the Council stops admitting the key's transport and\n"
    "refuses its new entries within one gossip round. A revocation is\n"
    "final. The file is written with mode 0600 and never replaces one.\n"
    "\n"
    "  --key KEYFILE          the secret key to revoke\n"
    "  --out FILE             the revocation certificate to write\n"
    "  --name NAME            the member's name (default: the key file's)\n"
    "  --passphrase-file FILE read the key's passphrase from FILE\n"
    "  --transcript FILE      append a signed record to the ceremony\n"
    "                         transcript FILE (signed by this key)\n";

static const char *s_usage_update =
    "usage: ceptoar-keys card-update --key KEYFILE --out FILE\n"
    "                    [--endpoint ENDPOINT]... [--serial N] [--name NAME]\n"
    "                    [--passphrase-file FILE] [--transcript FILE]\n"
    "\n"
    "Signs a card update that publishes this member's own endpoints: where\n"
    "peers reach its node from now on. It needs no threshold (only the\n"
    "member's own key), and replaces the roster's endpoints for this key on\n"
    "every node once handed to one ('ceptoar roster card-update'). Among\n"
    "updates the highest serial wins. With no --endpoint the member\n"
    "publishes none (peers then wait for its connections).\n"
    "\n"
    "  --key KEYFILE          the member's secret key\n"
    "  --out FILE             the card update to write (never replaced)\n"
    "  --endpoint ENDPOINT    tcp://HOST:PORT or ipc://PATH, up to 8\n"
    "  --serial N             1 to 2^63-1; default: the current Unix time\n"
    "  --name NAME            the member's name (default: the key file's)\n"
    "  --passphrase-file FILE read the key's passphrase from FILE\n"
    "  --transcript FILE      append a signed record to the ceremony\n"
    "                         transcript FILE (signed by this key)\n";

//  --------------------------------------------------------------------------
//  The part both commands share once the notice's own fields are set:
//  open the key, sign, write, record. Returns the exit code.

static int
s_sign_and_write (keys_notice_t *notice, const char *key_path,
                  const char *pass_file, const char *name, const char *out,
                  const char *transcript)
{
    int rc = tool_check_out (out);
    if (rc)
        return rc;
    char file_name[KEYS_NAME_MAX + 1];
    bool named = tool_key_file_name (key_path, file_name);
    //  The name is for people, but nodes check it against the roster's
    //  name for the key: one that contradicts the key file is a mistake.
    if (name && named && strcmp (name, file_name)) {
        tool_error ("--name \"%s\", but '%s' is the key of \"%s\": a "
                    "notice names the member whose key signs it", name,
                    key_path, file_name);
        return TOOL_EXIT_USAGE;
    }
    if (name)
        snprintf (notice->name, sizeof notice->name, "%s", name);
    else if (named)
        snprintf (notice->name, sizeof notice->name, "%s", file_name);
    else {
        tool_error ("'%s' names no member: give --name NAME", key_path);
        return TOOL_EXIT_USAGE;
    }
    if (!keys_name_valid (notice->name)) {
        tool_error ("invalid --name \"%s\" ([A-Za-z0-9._-], starting with a "
                    "letter or digit)", notice->name);
        return TOOL_EXIT_USAGE;
    }
    if (transcript && (rc = keys_cmd_transcript_check (transcript)) != 0)
        return rc;
    keys_secret_t *key = tool_open_key (key_path, pass_file, &rc);
    if (!key)
        return rc;
    char err[S_ERR_LEN];
    rc = TOOL_EXIT_USAGE;
    if (keys_notice_sign (notice, key, err, sizeof err) != 0)
        tool_error ("%s", err);
    else if (keys_notice_save (notice, out, err, sizeof err) != 0)
        tool_error ("%s", err);
    else
        rc = TOOL_EXIT_OK;
    if (rc == TOOL_EXIT_OK && transcript) {
        const char *inputs[] = { key_path };
        const char *outputs[] = { out };
        rc = keys_cmd_transcript_record (
            transcript, key, notice->name,
            notice->kind == KEYS_NOTICE_REVOCATION ? "revoke-cert"
                                                   : "card-update",
            inputs, 1, outputs, 1);
    }
    keys_secret_destroy (&key);
    return rc;
}

int
keys_cmd_revoke_cert (int argc, char *argv[])
{
    static const struct option options[] = {
        { "key", required_argument, NULL, 'k' },
        { "out", required_argument, NULL, 'o' },
        { "name", required_argument, NULL, 'n' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "transcript", required_argument, NULL, 'T' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *key_path = NULL, *out = NULL, *name = NULL;
    const char *pass_file = NULL, *transcript = NULL;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'k': key_path = optarg; break;
        case 'o': out = optarg; break;
        case 'n': name = optarg; break;
        case 'p': pass_file = optarg; break;
        case 'T': transcript = optarg; break;
        case 'h': fputs (s_usage_revoke, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage_revoke, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!key_path || !out || optind != argc) {
        tool_error ("revoke-cert needs --key and --out, and no other "
                    "arguments");
        fputs (s_usage_revoke, stderr);
        return TOOL_EXIT_USAGE;
    }
    keys_notice_t notice;
    memset (&notice, 0, sizeof notice);
    notice.kind = KEYS_NOTICE_REVOCATION;
    int rc = s_sign_and_write (&notice, key_path, pass_file, name, out,
                               transcript);
    if (rc != TOOL_EXIT_OK)
        return rc;
    char fpr[PROTO_FPR_HEX_LEN + 1];
    proto_fingerprint (fpr, notice.sign_pk);
    printf ("revocation certificate for %s, key %s, written to %s\n"
            "Keep it offline: whoever holds it can revoke this key, for "
            "good.\n",
            notice.name, fpr, out);
    return TOOL_EXIT_OK;
}

int
keys_cmd_card_update (int argc, char *argv[])
{
    static const struct option options[] = {
        { "key", required_argument, NULL, 'k' },
        { "out", required_argument, NULL, 'o' },
        { "endpoint", required_argument, NULL, 'e' },
        { "serial", required_argument, NULL, 's' },
        { "name", required_argument, NULL, 'n' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "transcript", required_argument, NULL, 'T' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *key_path = NULL, *out = NULL, *name = NULL;
    const char *pass_file = NULL, *transcript = NULL;
    keys_notice_t notice;
    memset (&notice, 0, sizeof notice);
    notice.kind = KEYS_NOTICE_CARD_UPDATE;
    notice.serial = (uint64_t) time (NULL);
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'k': key_path = optarg; break;
        case 'o': out = optarg; break;
        case 'n': name = optarg; break;
        case 'p': pass_file = optarg; break;
        case 'T': transcript = optarg; break;
        case 'e':
            if (notice.endpoint_count == KEYS_ENDPOINTS_MAX) {
                tool_error ("at most %d endpoints", KEYS_ENDPOINTS_MAX);
                return TOOL_EXIT_USAGE;
            }
            if (strlen (optarg) > KEYS_ENDPOINT_MAX
                || !keys_endpoint_valid (optarg)) {
                tool_error ("invalid --endpoint \"%s\": tcp://HOST:PORT or "
                            "ipc://PATH", optarg);
                return TOOL_EXIT_USAGE;
            }
            strcpy (notice.endpoints[notice.endpoint_count++], optarg);
            break;
        case 's': {
            char *end;
            unsigned long long serial = strtoull (optarg, &end, 10);
            if (*end || optarg[0] < '1' || optarg[0] > '9'
                || serial > (unsigned long long) INT64_MAX) {
                tool_error ("invalid --serial \"%s\": a number from 1",
                            optarg);
                return TOOL_EXIT_USAGE;
            }
            notice.serial = serial;
            break;
        }
        case 'h': fputs (s_usage_update, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage_update, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!key_path || !out || optind != argc) {
        tool_error ("card-update needs --key and --out, and no other "
                    "arguments");
        fputs (s_usage_update, stderr);
        return TOOL_EXIT_USAGE;
    }
    int rc = s_sign_and_write (&notice, key_path, pass_file, name, out,
                               transcript);
    if (rc != TOOL_EXIT_OK)
        return rc;
    char fpr[PROTO_FPR_HEX_LEN + 1];
    proto_fingerprint (fpr, notice.sign_pk);
    printf ("card update %llu for %s, key %s, written to %s\n",
            (unsigned long long) notice.serial, notice.name, fpr, out);
    for (size_t e = 0; e < notice.endpoint_count; e++)
        printf ("  endpoint %s\n", notice.endpoints[e]);
    if (notice.endpoint_count == 0)
        printf ("  (no endpoints: peers will not connect to this node)\n");
    return TOOL_EXIT_OK;
}

int
keys_cmd_notices_load (const char *const *paths, size_t n,
                       keys_notice_set_t **set)
{
    *set = keys_notice_set_new ();
    if (!*set) {
        tool_error ("out of memory");
        return TOOL_EXIT_USAGE;
    }
    for (size_t i = 0; i < n; i++) {
        char err[S_ERR_LEN], set_err[S_ERR_LEN];
        keys_notice_t notice;
        //  A set file of a missing path would load as empty: check first.
        if (access (paths[i], R_OK) != 0) {
            tool_error ("cannot read notices '%s': %s", paths[i],
                        strerror (errno));
            keys_notice_set_destroy (set);
            return TOOL_EXIT_USAGE;
        }
        if (keys_notice_load (&notice, paths[i], err, sizeof err) == 0) {
            if (keys_notice_set_add (*set, &notice) < 0) {
                tool_error ("'%s': too many notices", paths[i]);
                keys_notice_set_destroy (set);
                return TOOL_EXIT_USAGE;
            }
        }
        else if (keys_notice_set_load (*set, paths[i], set_err,
                                       sizeof set_err)
                 != 0) {
            tool_error ("'%s' is neither a valid notice (%s) nor a valid "
                        "notices file (%s)", paths[i], err, set_err);
            keys_notice_set_destroy (set);
            return TOOL_EXIT_FAIL;
        }
    }
    for (size_t i = 0; i < keys_notice_set_count (*set); i++) {
        const keys_notice_t *notice = keys_notice_set_get (*set, i);
        if (notice->kind != KEYS_NOTICE_REVOCATION)
            continue;
        char fpr[PROTO_FPR_HEX_LEN + 1];
        proto_fingerprint (fpr, notice->sign_pk);
        fprintf (stderr, "revoked: the key %s of %s (its own certificate): "
                         "its signatures count for nothing\n", fpr,
                 notice->name);
    }
    return TOOL_EXIT_OK;
}

int
keys_cmd_notices_option (const char *path, const char **paths, size_t *count)
{
    if (*count == KEYS_CMD_NOTICES_MAX) {
        tool_error ("at most %d --notices", KEYS_CMD_NOTICES_MAX);
        return TOOL_EXIT_USAGE;
    }
    paths[(*count)++] = path;
    return TOOL_EXIT_OK;
}
