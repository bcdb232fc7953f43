/* SPDX-License-Identifier: MPL-2.0 */
/* keys_cmd_share: "ceptoar-keys split" and "ceptoar-keys recover". */

/* Key backup in a key ceremony: split a node's secret key into N text
   shares, one per custodian, any K of which rebuild it (keys_share, over
   libgfshare), and rebuild it into a new key file. Like the rest of
   ceptoar-keys these commands run offline, never replace a file, and keep
   secrets out of their output: they print file names, the fingerprint and
   the split id, never share bytes.

   Exit codes: 0 success; 1 a check failed (a wrong passphrase, a damaged
   or mismatched share, too few shares); 2 usage or I/O error.               */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../keys/keys.h"
#include "keys_cmd_share.h"
#include "keys_cmd_transcript.h"
#include "tool_util.h"

#define S_PATH_MAX 4096

static const char *s_usage_split =
    "usage: ceptoar-keys split --key KEYFILE --shares N --threshold K\n"
    "                          --out-dir DIR [--passphrase-file FILE]\n"
    "                          [--transcript FILE]\n"
    "\n"
    "Splits a node's secret key into N shares, one per custodian, any K of\n"
    "which rebuild it with 'ceptoar-keys recover'; fewer than K reveal\n"
    "nothing about it. Writes DIR/share-01-of-05.txt ... (mode 0600): short\n"
    "texts a person can copy by hand, each line with its own check. DIR\n"
    "and missing parents are created (mode 0700); existing files are never\n"
    "replaced. An encrypted key's passphrase is read from FILE or asked on\n"
    "the terminal.\n"
    "\n"
    "  --key KEYFILE          the node's secret key file\n"
    "  --shares N             how many shares to make, 2 to 255\n"
    "  --threshold K          how many shares rebuild the key, 2 to N\n"
    "  --out-dir DIR          where to write the shares\n"
    "  --passphrase-file FILE read the key's passphrase from FILE\n"
    "  --transcript FILE      append a record (share file hashes, signed by\n"
    "                         the key) to the ceremony transcript FILE\n";

static const char *s_usage_recover =
    "usage: ceptoar-keys recover --out KEYFILE [--name NAME]\n"
    "                            [--passphrase-file FILE | --no-passphrase]\n"
    "                            [--transcript FILE] SHARE...\n"
    "\n"
    "Rebuilds a node's secret key from K shares of one split and writes a\n"
    "new key file (never replacing one). Each share is checked line by\n"
    "line (a mistyped character is named with its file and line), the\n"
    "shares must come from one split, and the rebuilt keys must be the\n"
    "public keys the shares record. Prints the key's fingerprint: compare\n"
    "it with the node's card. The new file's passphrase is read from FILE\n"
    "or asked twice on the terminal.\n"
    "\n"
    "  --out KEYFILE          the key file to write (mode 0600)\n"
    "  --name NAME            the member's name, written in the key file as\n"
    "                         gen writes it (revoke-cert, card-update and\n"
    "                         the transcript read it there)\n"
    "  --passphrase-file FILE read the new passphrase from FILE's first "
    "line\n"
    "  --no-passphrase        leave the new key unencrypted (tests only)\n"
    "  --transcript FILE      append a record signed by the recovered key\n"
    "                         to the ceremony transcript FILE\n";

//  --------------------------------------------------------------------------
//  Create the missing parent directories of path (mode 0700), as mkdir -p
//  does for all but the last component. Returns 0 or -1 with errno set.

static int
s_mkdir_parents (const char *path)
{
    char partial[S_PATH_MAX];
    size_t len = strlen (path);
    if (len >= sizeof partial) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy (partial, path, len + 1);
    for (size_t i = 1; i < len; i++) {
        if (partial[i] != '/')
            continue;
        partial[i] = 0;
        if (mkdir (partial, 0700) != 0 && errno != EEXIST)
            return -1;
        partial[i] = '/';
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  The path of share index (1-based) of count in dir: share-01-of-05.txt,
//  three digits when count is 100 or more, so that the files sort.

static void
s_share_path (char out[S_PATH_MAX], const char *dir, unsigned index,
              unsigned count)
{
    int width = count >= 100 ? 3 : 2;
    snprintf (out, S_PATH_MAX, "%s/share-%0*u-of-%0*u.txt", dir, width,
              index, width, count);
}

//  --------------------------------------------------------------------------
//  Make dir (and its parents) private, or check that an existing dir is a
//  private directory. Sets *created when it made dir. Returns 0 or -1
//  after printing an error.

static int
s_private_dir (const char *dir, bool *created)
{
    *created = false;
    if (s_mkdir_parents (dir) != 0) {
        tool_error ("cannot create the parents of '%s': %s", dir,
                    strerror (errno));
        return -1;
    }
    if (mkdir (dir, 0700) == 0)
        *created = true;
    else if (errno != EEXIST) {
        tool_error ("cannot create directory '%s': %s", dir,
                    strerror (errno));
        return -1;
    }
    struct stat st;
    if (stat (dir, &st) != 0 || !S_ISDIR (st.st_mode)) {
        tool_error ("'%s' is not a directory", dir);
        return -1;
    }
    if (st.st_mode & 077) {
        tool_error ("'%s' can be read by others (mode %03o): key shares go "
                    "only in a private directory; run chmod 700 '%s' or "
                    "choose a new --out-dir", dir,
                    (unsigned) (st.st_mode & 0777), dir);
        return -1;
    }
    return 0;
}

int
keys_cmd_split (int argc, char *argv[])
{
    static const struct option options[] = {
        { "key", required_argument, NULL, 'k' },
        { "shares", required_argument, NULL, 'n' },
        { "threshold", required_argument, NULL, 't' },
        { "out-dir", required_argument, NULL, 'o' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "transcript", required_argument, NULL, 'T' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *key_path = NULL, *dir = NULL, *pass_file = NULL;
    const char *transcript = NULL;
    unsigned long count = 0, threshold = 0;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'k': key_path = optarg; break;
        case 'o': dir = optarg; break;
        case 'p': pass_file = optarg; break;
        case 'T': transcript = optarg; break;
        case 'n':
            if (tool_parse_uint (optarg, KEYS_SHARE_MIN, KEYS_SHARE_MAX,
                                 &count)) {
                tool_error ("invalid --shares \"%s\": a number from %d to %d",
                            optarg, KEYS_SHARE_MIN, KEYS_SHARE_MAX);
                return TOOL_EXIT_USAGE;
            }
            break;
        case 't':
            if (tool_parse_uint (optarg, KEYS_SHARE_MIN, KEYS_SHARE_MAX,
                                 &threshold)) {
                tool_error ("invalid --threshold \"%s\": a number from %d to "
                            "the number of shares", optarg, KEYS_SHARE_MIN);
                return TOOL_EXIT_USAGE;
            }
            break;
        case 'h': fputs (s_usage_split, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage_split, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!key_path || !dir || !count || !threshold || optind != argc) {
        tool_error ("split needs --key, --shares, --threshold and --out-dir, "
                    "and no other arguments");
        fputs (s_usage_split, stderr);
        return TOOL_EXIT_USAGE;
    }
    if (threshold > count) {
        tool_error ("threshold %lu is more than the %lu shares: choose K "
                    "from %d to N", threshold, count, KEYS_SHARE_MIN);
        return TOOL_EXIT_USAGE;
    }
    if (strlen (dir) + sizeof "/share-255-of-255.txt" > S_PATH_MAX) {
        tool_error ("--out-dir is too long");
        return TOOL_EXIT_USAGE;
    }
    int rc = TOOL_EXIT_USAGE;
    if (transcript && (rc = keys_cmd_transcript_check (transcript)) != 0)
        return rc;
    //  Open the key first: a wrong passphrase leaves nothing on disk.
    keys_secret_t *key = tool_open_key (key_path, pass_file, &rc);
    if (!key)
        return rc;
    rc = TOOL_EXIT_USAGE;
    keys_share_t *shares[KEYS_SHARE_MAX] = { NULL };
    unsigned written = 0;
    bool created = false;
    char path[S_PATH_MAX];
    if (s_private_dir (dir, &created) != 0)
        goto done;
    for (unsigned i = 1; i <= count; i++) {
        s_share_path (path, dir, i, (unsigned) count);
        if (access (path, F_OK) == 0) {
            tool_error ("'%s' exists: shares are never replaced; choose "
                        "another --out-dir", path);
            goto done;
        }
    }
    if (keys_share_split (key, (unsigned) threshold, (unsigned) count, shares)
        != 0) {
        tool_error ("cannot split the key (out of secure memory)");
        goto done;
    }
    for (; written < count; written++) {
        s_share_path (path, dir, written + 1, (unsigned) count);
        if (keys_share_save (shares[written], path) != 0) {
            tool_error ("cannot write '%s': %s%s", path, strerror (errno),
                        errno == EEXIST ? " (shares are never replaced)"
                                        : "");
            goto done;
        }
    }
    rc = TOOL_EXIT_OK;
    if (transcript) {
        //  The record names the share files (their hashes), never their
        //  content; signed by the key that was split.
        static char paths[KEYS_SHARE_MAX][S_PATH_MAX];
        const char *outputs[KEYS_SHARE_MAX];
        for (unsigned i = 0; i < count; i++) {
            s_share_path (paths[i], dir, i + 1, (unsigned) count);
            outputs[i] = paths[i];
        }
        const char *inputs[] = { key_path };
        char name[KEYS_NAME_MAX + 1];
        bool named = tool_key_file_name (key_path, name);
        rc = keys_cmd_transcript_record (transcript, key,
                                         named ? name : NULL, "key-split",
                                         inputs, 1, outputs, count);
    }
done:
    if (rc != TOOL_EXIT_OK) {
        //  Half a set of shares is no backup: remove what we wrote.
        for (unsigned i = 0; i < written; i++) {
            s_share_path (path, dir, i + 1, (unsigned) count);
            unlink (path);
        }
        if (created)
            rmdir (dir);
    }
    char fpr[PROTO_FPR_HEX_LEN + 1];
    char split_hex[2 * KEYS_SHARE_SPLIT_ID_BYTES + 1] = "";
    proto_fingerprint (fpr, keys_secret_sign_pk (key));
    if (shares[0])
        proto_hex_encode (split_hex, keys_share_split_id (shares[0]),
                          KEYS_SHARE_SPLIT_ID_BYTES);
    for (unsigned i = 0; i < count; i++)
        keys_share_destroy (&shares[i]);
    keys_secret_destroy (&key);
    if (rc != TOOL_EXIT_OK)
        return rc;
    printf ("split the key into %lu shares; any %lu of them recover it\n"
            "split %s\n", count, threshold, split_hex);
    for (unsigned i = 1; i <= count; i++) {
        s_share_path (path, dir, i, (unsigned) count);
        printf ("%s\n", path);
    }
    printf ("give each custodian one share (no one should hold %lu); "
            "delete the files once they are copied\n"
            "fingerprint %s\n", threshold, fpr);
    return TOOL_EXIT_OK;
}

int
keys_cmd_recover (int argc, char *argv[])
{
    static const struct option options[] = {
        { "out", required_argument, NULL, 'o' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "no-passphrase", no_argument, NULL, 'N' },
        { "transcript", required_argument, NULL, 'T' },
        { "name", required_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *out = NULL, *pass_file = NULL, *transcript = NULL;
    const char *name = NULL;
    bool no_pass = false;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'o': out = optarg; break;
        case 'n':
            if (!keys_name_valid (optarg) || strlen (optarg) > KEYS_NAME_MAX) {
                tool_error ("invalid --name \"%s\" ([A-Za-z0-9._-], starting "
                            "with a letter or digit)", optarg);
                return TOOL_EXIT_USAGE;
            }
            name = optarg;
            break;
        case 'p': pass_file = optarg; break;
        case 'N': no_pass = true; break;
        case 'T': transcript = optarg; break;
        case 'h': fputs (s_usage_recover, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage_recover, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!out || optind >= argc) {
        tool_error ("recover needs --out and at least one share file");
        fputs (s_usage_recover, stderr);
        return TOOL_EXIT_USAGE;
    }
    size_t count = (size_t) (argc - optind);
    if (count > KEYS_SHARE_MAX) {
        tool_error ("%zu share files: a split has at most %d shares", count,
                    KEYS_SHARE_MAX);
        return TOOL_EXIT_USAGE;
    }
    int writable = tool_check_out (out);
    if (writable)
        return writable;
    const char *const *names = (const char *const *) (argv + optind);
    keys_share_t *shares[KEYS_SHARE_MAX] = { NULL };
    keys_secret_t *key = NULL;
    char *pass = NULL;
    int rc = TOOL_EXIT_USAGE;
    if (transcript && ((rc = keys_cmd_transcript_check (transcript)) != 0
                       || (rc = keys_cmd_transcript_room (count, 1)) != 0))
        return rc;
    rc = TOOL_EXIT_USAGE;
    for (size_t i = 0; i < count; i++) {
        char err[KEYS_SHARE_ERR_LEN];
        shares[i] = keys_share_load (names[i], err, sizeof err);
        if (!shares[i]) {
            if (!strncmp (err, "line ", 5)) {
                tool_error ("'%s' is not a valid share: %s", names[i], err);
                rc = TOOL_EXIT_FAIL;
            }
            else
                tool_error ("cannot read share '%s': %s", names[i], err);
            goto done;
        }
    }
    keys_share_result_t result = KEYS_SHARE_OK;
    char err[KEYS_SHARE_ERR_LEN];
    key = keys_share_recover (shares, count, names, &result, err, sizeof err);
    if (!key) {
        tool_error ("%s", err);
        rc = result == KEYS_SHARE_NOMEM ? TOOL_EXIT_USAGE : TOOL_EXIT_FAIL;
        goto done;
    }
    char fpr[PROTO_FPR_HEX_LEN + 1];
    proto_fingerprint (fpr, keys_secret_sign_pk (key));
    fprintf (stderr, "the shares rebuild the key with fingerprint %s\n", fpr);
    if (tool_passphrase (pass_file, no_pass, true, &pass) != 0)
        goto done;
    //  The member's name, as gen writes it, so that the other commands
    //  find it in the file again.
    if (keys_secret_save (key, out, pass,
                          name ? name : "recovered from key shares") != 0) {
        tool_error ("cannot write '%s': %s%s", out, strerror (errno),
                    errno == EEXIST ? " (key files are never replaced)" : "");
        goto done;
    }
    printf ("recovered the key from %zu of its %u shares (any %u recover "
            "it)\n%s\nfingerprint %s\n", count, keys_share_count (shares[0]),
            keys_share_threshold (shares[0]), out, fpr);
    rc = TOOL_EXIT_OK;
    if (transcript) {
        const char *outputs[] = { out };
        rc = keys_cmd_transcript_record (transcript, key, name, "key-recover",
                                         names, count, outputs, 1);
    }
done:
    tool_passphrase_free (&pass);
    keys_secret_destroy (&key);
    for (size_t i = 0; i < count; i++)
        keys_share_destroy (&shares[i]);
    return rc;
}
