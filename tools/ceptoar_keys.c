/* SPDX-License-Identifier: MPL-2.0 */
/* ceptoar-keys: the offline key and ceremony tool. */

/* Runs on an offline machine: links the protocol and keys libraries and
   libsodium only (never ZeroMQ or LMDB; a test checks the binary). Every
   command that writes refuses to replace an existing file, and every
   command that signs shows what is being signed first.

   Exit codes: 0 success; 1 a verification or policy check failed (a
   roster below threshold, a wrong passphrase); 2 usage or I/O error.       */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../keys/keys.h"
#include "tool_util.h"
#include "keys_cmd_share.h"
#include "keys_cmd_notice.h"
#include "keys_roster_diff.h"
#include "keys_cmd_verify.h"
#include "keys_cmd_transcript.h"

#define ERR_LEN 512

static const char *s_usage_main =
    "usage: ceptoar-keys COMMAND [OPTIONS]\n"
    "\n"
    "The offline key and ceremony tool of the CEPTOAR Council node.\n"
    "\n"
    "commands:\n"
    "  gen             generate a node's keys and its public identity card\n"
    "  roster draft    draft a genesis roster from members' cards\n"
    "  roster change   draft the next roster version (add, remove, rotate)\n"
    "  roster sign     sign a roster draft (shows it and asks first)\n"
    "  roster combine  attach signatures to a draft; refuses below "
    "threshold\n"
    "  roster verify   verify a roster chain (rollbacks, gaps, forks)\n"
    "  split           split a node's secret key into k-of-n custodian "
    "shares\n"
    "  recover         rebuild a secret key file from k shares\n"
    "  revoke-cert     pre-sign the revocation of a key (keep it offline)\n"
    "  card-update     publish a member's own new endpoints (self-signed)\n"
    "  transcript verify  check a ceremony transcript and print it\n"
    "\n"
    "'ceptoar-keys COMMAND --help' describes each command.\n"
    "exit status: 0 success, 1 verification or policy failure, 2 usage or "
    "I/O error\n";

static const char *s_usage_gen =
    "usage: ceptoar-keys gen --name NAME --sector SECTOR --out DIR\n"
    "                        [--endpoint ENDPOINT]...\n"
    "                        [--passphrase-file FILE | --no-passphrase]\n"
    "                        [--transcript FILE]\n"
    "\n"
    "Generates a node's Ed25519 signing key and X25519 key and writes\n"
    "  DIR/node.key   the secret keys, encrypted with a passphrase, mode 0600\n"
    "  DIR/node.card  the public identity card to hand to the Council\n"
    "DIR and missing parents are created (mode 0700); existing files are "
    "never\n"
    "replaced. Without --passphrase-file or --no-passphrase the passphrase\n"
    "is asked twice on the terminal.\n"
    "\n"
    "  --name NAME            member name, e.g. T-CEPTOAR ([A-Za-z0-9._-])\n"
    "  --sector SECTOR        telecom, banking, electricity, water, ... (21)\n"
    "  --endpoint ENDPOINT    where peers reach this node, tcp://HOST:PORT\n"
    "  --passphrase-file FILE read the passphrase from FILE's first line\n"
    "  --no-passphrase        leave the key unencrypted (tests, automation)\n"
    "  --transcript FILE      append a signed record of this step to the\n"
    "                         ceremony transcript FILE (signed by the new "
    "key)\n";

static const char *s_usage_draft =
    "usage: ceptoar-keys roster draft --threshold T --card FILE...\n"
    "                   [--group NAME=MEMBER,MEMBER...]... "
    "[--role MEMBER=ROLE,...]...\n"
    "                   [--key KEYFILE [--passphrase-file FILE]]\n"
    "                   [--transcript FILE] --out FILE\n"
    "\n"
    "Drafts a genesis roster (version 1) from the founding members' cards.\n"
    "Each founder then signs it with 'roster sign', and 'roster combine'\n"
    "makes the roster once at least T founders have signed.\n"
    "\n"
    "  --threshold T          signatures needed for this and the next "
    "version\n"
    "  --card FILE            a member's identity card (repeat per member)\n"
    "  --group NAME=M,M...    a sharing group of members (by name), e.g.\n"
    "                         finance=BANK-CEPTOAR,SEC-CEPTOAR\n"
    "  --role MEMBER=ROLES    roles of a member, e.g. T-CEPTOAR=secretariat\n"
    "  --out FILE             the draft to write (never replaced)\n"
    "  --transcript FILE      append a signed record of this step to the\n"
    "                         ceremony transcript FILE (needs --key)\n"
    "  --key KEYFILE          the key of whoever runs this step: it signs\n"
    "                         the transcript record\n"
    "  --passphrase-file FILE read that key's passphrase from FILE\n";

static const char *s_usage_change =
    "usage: ceptoar-keys roster change --from ROSTER [--add-card FILE]...\n"
    "                   [--remove MEMBER]... [--rotate MEMBER=CARD]...\n"
    "                   [--threshold T] [--group NAME=MEMBER,...]...\n"
    "                   [--key KEYFILE [--passphrase-file FILE]]\n"
    "                   [--transcript FILE] --out DRAFT\n"
    "\n"
    "Drafts version n+1 of the Council's roster from version n (--from,\n"
    "which should be verified first with 'roster verify'). The draft must\n"
    "then be signed ('roster sign') by at least the threshold of version\n"
    "n's members AND the threshold of version n+1's, and combined with\n"
    "'roster combine --from ROSTER'.\n"
    "\n"
    "  --from ROSTER          the version in force (n)\n"
    "  --add-card FILE        admit the member of this identity card\n"
    "  --remove MEMBER        remove a member (name or fingerprint)\n"
    "  --rotate MEMBER=CARD   replace a member's keys and endpoints with\n"
    "                         those of a new card of the same name\n"
    "  --threshold T          the new threshold (default: unchanged)\n"
    "  --group NAME=M,M...    set a sharing group's members (replaces it;\n"
    "                         NAME= with no members removes it)\n"
    "  --out DRAFT            the draft to write (never replaced)\n"
    "  --transcript FILE      append a signed record of this step to the\n"
    "                         ceremony transcript FILE (needs --key)\n"
    "  --key KEYFILE          the key of whoever runs this step: it signs\n"
    "                         the transcript record\n"
    "  --passphrase-file FILE read that key's passphrase from FILE\n";

static const char *s_usage_sign =
    "usage: ceptoar-keys roster sign --key KEYFILE [--from ROSTER] [--yes]\n"
    "                   [--passphrase-file FILE] [--transcript FILE]\n"
    "                   --out SIGFILE DRAFT\n"
    "\n"
    "Shows the draft (version, threshold, members with fingerprints,\n"
    "groups) and, with --from, exactly what it changes: members added,\n"
    "removed and rotated (old and new fingerprints), endpoints and roles,\n"
    "the threshold and groups before and after, keys retired. Then asks\n"
    "for confirmation and writes a detached signature.\n"
    "Without a terminal on standard input it refuses unless --yes is "
    "given.\n"
    "A change (version 2 or later) is signed without --from only with\n"
    "--yes: a person is never asked to sign changes it cannot see.\n"
    "\n"
    "  --key KEYFILE          the signer's secret key file\n"
    "  --from ROSTER          the version in force, which the draft must\n"
    "                         follow (always give it for a change)\n"
    "  --yes                  do not ask (scripts); the summary is still "
    "shown\n"
    "  --passphrase-file FILE read the key's passphrase from FILE\n"
    "  --out SIGFILE          the signature file to write (never replaced)\n"
    "  --transcript FILE      append a signed record of this signing to the\n"
    "                         ceremony transcript FILE\n";

static const char *s_usage_combine =
    "usage: ceptoar-keys roster combine [--from PREVIOUS] [--notices FILE]...\n"
    "                   [--key KEYFILE [--passphrase-file FILE]]\n"
    "                   [--transcript FILE] --out ROSTER DRAFT SIGFILE...\n"
    "\n"
    "Attaches the signatures to the draft and writes the roster, but only\n"
    "if enough signatures count: at genesis the threshold of the draft's\n"
    "own members; for a later version (give the version in force with\n"
    "--from) the old threshold of the old members and the new threshold of\n"
    "the new members. Each public key counts once. Below threshold it\n"
    "writes nothing and says how many it has and needs (exit 1).\n"
    "The --from roster is taken as given: verify it first with\n"
    "'roster verify' (it is the version your node already trusts).\n"
    "\n"
    "  --notices FILE         revocations in force: a revocation certificate\n"
    "                         or a node's NODEDIR/notices file (repeat it);\n"
    "                         a revoked key's signature counts for nothing,\n"
    "                         as at every node\n"
    "  --transcript FILE      append a signed record of this step to the\n"
    "                         ceremony transcript FILE (needs --key)\n"
    "  --key KEYFILE          the key of whoever runs this step: it signs\n"
    "                         the transcript record\n"
    "  --passphrase-file FILE read that key's passphrase from FILE\n";

//  --------------------------------------------------------------------------
//  Write text to a new file (refusing to replace one). Returns 0 or -1.

static int
s_write_new (const char *path, const char *text, mode_t mode)
{
    FILE *file = NULL;
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd >= 0)
        file = fdopen (fd, "w");
    if (!file) {
        tool_error ("cannot create '%s': %s%s", path, strerror (errno),
                    errno == EEXIST ? " (existing files are never replaced;"
                                      " choose another name)" : "");
        if (fd >= 0)
            close (fd);
        return -1;
    }
    bool ok = fputs (text, file) >= 0 && fflush (file) == 0
              && fsync (fileno (file)) == 0;
    ok = fclose (file) == 0 && ok;
    if (!ok) {
        tool_error ("cannot write '%s': %s", path, strerror (errno));
        unlink (path);
        return -1;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Create the missing parent directories of path (mode 0700), as mkdir -p
//  does for all but the last component. Returns 0 or -1 with errno set.

static int
s_mkdir_parents (const char *path)
{
    char partial[4096];
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

static int
s_cmd_gen (int argc, char *argv[])
{
    static const struct option options[] = {
        { "name", required_argument, NULL, 'n' },
        { "sector", required_argument, NULL, 's' },
        { "out", required_argument, NULL, 'o' },
        { "endpoint", required_argument, NULL, 'e' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "no-passphrase", no_argument, NULL, 'N' },
        { "transcript", required_argument, NULL, 'T' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *name = NULL, *sector = NULL, *out = NULL, *pass_file = NULL;
    const char *transcript = NULL;
    bool no_pass = false;
    keys_card_t card;
    memset (&card, 0, sizeof card);
    int rc, opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'n': name = optarg; break;
        case 's': sector = optarg; break;
        case 'o': out = optarg; break;
        case 'p': pass_file = optarg; break;
        case 'N': no_pass = true; break;
        case 'T': transcript = optarg; break;
        case 'e':
            if (card.endpoint_count == KEYS_ENDPOINTS_MAX) {
                tool_error ("at most %d endpoints", KEYS_ENDPOINTS_MAX);
                return TOOL_EXIT_USAGE;
            }
            if (!keys_endpoint_valid (optarg)) {
                tool_error ("invalid endpoint \"%s\": use tcp://HOST:PORT",
                            optarg);
                return TOOL_EXIT_USAGE;
            }
            snprintf (card.endpoints[card.endpoint_count++],
                      KEYS_ENDPOINT_MAX + 1, "%s", optarg);
            break;
        case 'h': fputs (s_usage_gen, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage_gen, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!name || !sector || !out || optind != argc) {
        tool_error ("gen needs --name, --sector and --out, and no other "
                    "arguments");
        fputs (s_usage_gen, stderr);
        return TOOL_EXIT_USAGE;
    }
    if (!keys_name_valid (name)) {
        tool_error ("invalid name \"%s\": use 1-%d of A-Z a-z 0-9 . _ -, "
                    "starting with a letter or digit", name, KEYS_NAME_MAX);
        return TOOL_EXIT_USAGE;
    }
    card.sector = proto_sector_parse (sector);
    if (!card.sector) {
        tool_error ("unknown sector \"%s\": one of telecom, cable-tv, "
                    "broadcasting, banking, securities, life-insurance, "
                    "non-life-insurance, funds-settlement, aviation, "
                    "airports, railway, electricity, gas, local-government, "
                    "medical, water, logistics, chemical, credit, petroleum, "
                    "ports", sector);
        return TOOL_EXIT_USAGE;
    }
    snprintf (card.name, sizeof card.name, "%s", name);
    if (transcript && (rc = keys_cmd_transcript_check (transcript)) != 0)
        return rc;
    //  Ask for the passphrase before touching the disk, so that a refusal
    //  leaves nothing behind.
    char *pass = NULL;
    if (tool_passphrase (pass_file, no_pass, true, &pass) != 0)
        return TOOL_EXIT_USAGE;
    rc = TOOL_EXIT_USAGE;
    keys_secret_t *key = NULL;
    char key_path[4096], card_path[4096];
    snprintf (key_path, sizeof key_path, "%s/node.key", out);
    snprintf (card_path, sizeof card_path, "%s/node.card", out);
    struct stat dir_stat;
    if (s_mkdir_parents (out) != 0 || (mkdir (out, 0700) != 0
                                       && errno != EEXIST)) {
        tool_error ("cannot create directory '%s': %s", out,
                    strerror (errno));
        goto gen_done;
    }
    if (stat (out, &dir_stat) != 0 || !S_ISDIR (dir_stat.st_mode)) {
        tool_error ("'%s' is not a directory", out);
        goto gen_done;
    }
    if (dir_stat.st_mode & 077) {
        tool_error ("'%s' can be read by others (mode %03o): a secret key "
                    "goes only in a private directory; run chmod 700 '%s' "
                    "or choose a new --out", out,
                    (unsigned) (dir_stat.st_mode & 0777), out);
        goto gen_done;
    }
    if (access (key_path, F_OK) == 0 || access (card_path, F_OK) == 0) {
        tool_error ("'%s' already holds node.key or node.card: keys are "
                    "never replaced; choose another --out", out);
        goto gen_done;
    }
    key = keys_secret_generate ();
    if (!key) {
        tool_error ("cannot allocate secure memory for the key");
        goto gen_done;
    }
    memcpy (card.sign_pk, keys_secret_sign_pk (key), PROTO_PK_BYTES);
    memcpy (card.box_pk, keys_secret_box_pk (key), PROTO_BOXPK_BYTES);
    if (keys_secret_save (key, key_path, pass, name) != 0) {
        tool_error ("cannot write '%s': %s", key_path, strerror (errno));
        goto gen_done;
    }
    char err[ERR_LEN];
    if (keys_card_save (&card, card_path, err, sizeof err) != 0) {
        //  A key without its card is useless and would block a retry.
        unlink (key_path);
        tool_error ("%s", err);
        goto gen_done;
    }
    rc = TOOL_EXIT_OK;
    if (transcript) {
        const char *outputs[] = { key_path, card_path };
        rc = keys_cmd_transcript_record (transcript, key, name, "gen", NULL,
                                         0, outputs, 2);
    }
gen_done:
    tool_passphrase_free (&pass);
    keys_secret_destroy (&key);
    if (rc != TOOL_EXIT_OK)
        return rc;
    char fpr[PROTO_FPR_HEX_LEN + 1];
    proto_fingerprint (fpr, card.sign_pk);
    printf ("%s\n%s\nfingerprint %s\n", key_path, card_path, fpr);
    return TOOL_EXIT_OK;
}

//  --------------------------------------------------------------------------
//  Print a roster for a person to check before signing.

static void
s_print_roster (FILE *out, const keys_roster_t *roster)
{
    uint8_t hash[PROTO_HASH_BYTES];
    char hash_hex[2 * PROTO_HASH_BYTES + 1] = "?";
    if (keys_roster_hash (roster, hash) == 0)
        proto_hex_encode (hash_hex, hash, PROTO_HASH_BYTES);
    fprintf (out, "roster version %" PRIu64 ", threshold %u of %zu members\n",
             keys_roster_version (roster), keys_roster_threshold (roster),
             keys_roster_member_count (roster));
    const uint8_t *previous = keys_roster_previous (roster);
    if (previous) {
        char prev_hex[2 * PROTO_HASH_BYTES + 1];
        proto_hex_encode (prev_hex, previous, PROTO_HASH_BYTES);
        fprintf (out, "follows version with body hash %s\n", prev_hex);
    }
    else
        fprintf (out, "genesis (no previous version)\n");
    fprintf (out, "body hash %s\n\nmembers:\n", hash_hex);
    //  Both keys are shown: the signing key names the member, and the box
    //  key is what RED payloads are sealed to. A swapped box key in a card
    //  would pass a check of the signing fingerprint alone.
    for (size_t i = 0; i < keys_roster_member_count (roster); i++) {
        const keys_member_t *member = keys_roster_member (roster, i);
        char sign_fpr[PROTO_FPR_HEX_LEN + 1], box_fpr[PROTO_FPR_HEX_LEN + 1];
        proto_fingerprint (sign_fpr, member->card.sign_pk);
        proto_fingerprint (box_fpr, member->card.box_pk);
        fprintf (out, "  %-24s %s%s%s\n", member->card.name,
                 proto_sector_name (member->card.sector),
                 member->roles[0] ? ", roles " : "", member->roles);
        fprintf (out, "      sign-key fingerprint %s\n", sign_fpr);
        fprintf (out, "      box-key fingerprint  %s\n", box_fpr);
        for (size_t e = 0; e < member->card.endpoint_count; e++)
            fprintf (out, "      endpoint %s\n", member->card.endpoints[e]);
    }
    if (keys_roster_group_count (roster)) {
        fprintf (out, "\ngroups:\n");
        for (size_t g = 0; g < keys_roster_group_count (roster); g++) {
            const char *group = keys_roster_group_name (roster, g);
            size_t n = 0;
            const char *const *names
                = keys_roster_group_members (roster, group, &n);
            fprintf (out, "  %-16s", group);
            for (size_t i = 0; i < n; i++)
                fprintf (out, "%s%s", i ? ", " : " ", names[i]);
            fputc ('\n', out);
        }
    }
    //  Retirements are signed like the rest: a signer sees each one, with
    //  the time after which the old key's entries are refused.
    size_t retired = keys_roster_retired_count (roster);
    if (retired)
        fprintf (out, "\nretired keys (entries stamped later are refused):\n");
    for (size_t i = 0; i < retired; i++) {
        const keys_retired_t *r = keys_roster_retired (roster, i);
        char fpr[PROTO_FPR_HEX_LEN + 1], when[TOOL_TIME_LEN];
        proto_fingerprint (fpr, r->sign_pk);
        tool_format_time ((uint64_t) r->until * 1000, when);
        fprintf (out, "  %-24s sign-key %s after %s\n", r->name, fpr, when);
    }
}

//  A threshold equal to the member count is legal but brittle: a revoked
//  key's signatures never count again, so after one revocation no change
//  could reach it (docs/ceremony.md 4.1). Warn the administrator.
static void
s_warn_threshold (const keys_roster_t *roster)
{
    if (keys_roster_threshold (roster) < keys_roster_member_count (roster))
        return;
    fprintf (stderr, "warning: the threshold (%u) equals the member count: "
                     "after one revocation no roster change could reach it; "
                     "keep it below the member count\n",
             keys_roster_threshold (roster));
}

//  --------------------------------------------------------------------------
//  Split "NAME=A,B,C" into name and a list of names (pointers into a copy).

typedef struct {
    char *copy;
    const char *name;
    const char *items[KEYS_GROUP_MAX_MEMBERS];
    size_t count;
} s_assign_t;

static int
s_parse_assign (const char *text, s_assign_t *out, bool allow_empty)
{
    memset (out, 0, sizeof *out);
    out->copy = strdup (text);
    char *equals = out->copy ? strchr (out->copy, '=') : NULL;
    if (!equals || equals == out->copy)
        return -1;
    *equals = 0;
    out->name = out->copy;
    char *save = NULL;
    for (char *item = strtok_r (equals + 1, ",", &save); item;
         item = strtok_r (NULL, ",", &save)) {
        if (out->count == KEYS_GROUP_MAX_MEMBERS)
            return -1;
        out->items[out->count++] = item;
    }
    return out->count || allow_empty ? 0 : -1;
}

//  --------------------------------------------------------------------------
//  --transcript on the administrator's commands (draft, change, combine):
//  the record is signed by the administrator's own key (--key). Checked
//  before any work, so that a ceremony never produces what it cannot
//  record. Returns 0 or the exit code.

static keys_secret_t *s_admin_key;     //  opened by s_transcript_ready
static char s_admin_name[KEYS_NAME_MAX + 1];  //  its member, if it names one

static int
s_transcript_ready (const char *transcript, const char *admin_key,
                    const char *pass_file)
{
    if (!transcript)
        return 0;
    if (!admin_key) {
        tool_error ("--transcript needs --key KEYFILE: the key of whoever "
                    "runs this step, which signs the record");
        return TOOL_EXIT_USAGE;
    }
    int rc = keys_cmd_transcript_check (transcript);
    if (rc)
        return rc;
    //  Open the key now: a wrong passphrase must stop the step before it
    //  writes anything.
    s_admin_key = tool_open_key (admin_key, pass_file, &rc);
    if (s_admin_key && !tool_key_file_name (admin_key, s_admin_name))
        s_admin_name[0] = 0;
    return s_admin_key ? 0 : rc;
}

//  Append the record, signed by the key s_transcript_ready opened.
static int
s_transcript_record (const char *transcript, const char *action,
                     const char *const *inputs, size_t n_inputs,
                     const char *const *outputs, size_t n_outputs)
{
    assert (s_admin_key);
    //  The actor is the member the key file names; else its fingerprint.
    int rc = keys_cmd_transcript_record (transcript, s_admin_key,
                                         s_admin_name[0] ? s_admin_name : NULL,
                                         action, inputs, n_inputs, outputs,
                                         n_outputs);
    keys_secret_destroy (&s_admin_key);
    return rc;
}

static int
s_cmd_draft (int argc, char *argv[])
{
    static const struct option options[] = {
        { "threshold", required_argument, NULL, 't' },
        { "card", required_argument, NULL, 'c' },
        { "group", required_argument, NULL, 'g' },
        { "role", required_argument, NULL, 'r' },
        { "out", required_argument, NULL, 'o' },
        { "transcript", required_argument, NULL, 'T' },
        { "key", required_argument, NULL, 'k' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *cards[KEYS_ROSTER_MAX_MEMBERS];
    const char *groups[KEYS_ROSTER_MAX_GROUPS];
    const char *roles[KEYS_ROSTER_MAX_MEMBERS];
    size_t card_count = 0, group_count = 0, role_count = 0;
    unsigned long threshold = 0;
    const char *out = NULL;
    const char *transcript = NULL, *admin_key = NULL, *pass_file = NULL;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 't':
            if (tool_parse_uint (optarg, 1, KEYS_ROSTER_MAX_MEMBERS,
                                 &threshold)) {
                tool_error ("invalid threshold \"%s\": a number from 1 to "
                            "the number of members", optarg);
                return TOOL_EXIT_USAGE;
            }
            break;
        case 'c':
            if (card_count == KEYS_ROSTER_MAX_MEMBERS) {
                tool_error ("at most %d members", KEYS_ROSTER_MAX_MEMBERS);
                return TOOL_EXIT_USAGE;
            }
            cards[card_count++] = optarg;
            break;
        case 'g':
            if (group_count == KEYS_ROSTER_MAX_GROUPS) {
                tool_error ("at most %d groups", KEYS_ROSTER_MAX_GROUPS);
                return TOOL_EXIT_USAGE;
            }
            groups[group_count++] = optarg;
            break;
        case 'r':
            if (role_count == KEYS_ROSTER_MAX_MEMBERS) {
                tool_error ("too many --role options");
                return TOOL_EXIT_USAGE;
            }
            roles[role_count++] = optarg;
            break;
        case 'o': out = optarg; break;
        case 'T': transcript = optarg; break;
        case 'k': admin_key = optarg; break;
        case 'p': pass_file = optarg; break;
        case 'h': fputs (s_usage_draft, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage_draft, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!threshold || !card_count || !out || optind != argc) {
        tool_error ("roster draft needs --threshold, at least one --card and "
                    "--out");
        fputs (s_usage_draft, stderr);
        return TOOL_EXIT_USAGE;
    }
    int ready = tool_check_out (out);
    if (!ready)
        ready = s_transcript_ready (transcript, admin_key, pass_file);
    if (ready)
        return ready;
    if (threshold > card_count) {
        tool_error ("threshold %lu is more than the %zu members: no roster "
                    "could ever be signed", threshold, card_count);
        return TOOL_EXIT_USAGE;
    }
    keys_roster_t *roster = keys_roster_new (NULL, (unsigned) threshold);
    char err[ERR_LEN];
    int rc = TOOL_EXIT_USAGE;
    if (!roster) {
        tool_error ("out of memory");
        return rc;
    }
    for (size_t i = 0; i < card_count; i++) {
        keys_card_t card;
        if (keys_card_load (&card, cards[i], err, sizeof err) != 0) {
            tool_error ("card '%s': %s", cards[i], err);
            goto done;
        }
        const char *member_roles = "";
        for (size_t r = 0; r < role_count; r++) {
            size_t len = strlen (card.name);
            if (!strncmp (roles[r], card.name, len) && roles[r][len] == '=')
                member_roles = roles[r] + len + 1;
        }
        if (keys_roster_add_member (roster, &card, member_roles, err,
                                    sizeof err) != 0) {
            tool_error ("card '%s': %s", cards[i], err);
            goto done;
        }
    }
    for (size_t r = 0; r < role_count; r++) {
        const char *equals = strchr (roles[r], '=');
        char member[KEYS_NAME_MAX + 1];
        size_t len = equals ? (size_t) (equals - roles[r]) : 0;
        if (!equals || len == 0 || len > KEYS_NAME_MAX) {
            tool_error ("invalid --role \"%s\": use MEMBER=ROLE,ROLE",
                        roles[r]);
            goto done;
        }
        memcpy (member, roles[r], len);
        member[len] = 0;
        if (!keys_roster_member_by_name (roster, member)) {
            tool_error ("--role names \"%s\", which is not among the cards",
                        member);
            goto done;
        }
    }
    for (size_t g = 0; g < group_count; g++) {
        s_assign_t assign;
        if (s_parse_assign (groups[g], &assign, false) != 0) {
            tool_error ("invalid --group \"%s\": use NAME=MEMBER,MEMBER...",
                        groups[g]);
            free (assign.copy);
            goto done;
        }
        int set = keys_roster_set_group (roster, assign.name, assign.items,
                                         assign.count, err, sizeof err);
        free (assign.copy);
        if (set != 0) {
            tool_error ("--group \"%s\": %s", groups[g], err);
            goto done;
        }
    }
    char *text = keys_roster_format (roster, false, NULL);
    if (!text) {
        tool_error ("the draft is not valid (no members, or threshold out of "
                    "range)");
        goto done;
    }
    if (s_write_new (out, text, 0644) == 0) {
        s_print_roster (stdout, roster);
        printf ("\ndraft written to %s: each founder now runs "
                "'ceptoar-keys roster sign'\n", out);
        s_warn_threshold (roster);
        rc = TOOL_EXIT_OK;
        if (transcript)
            rc = s_transcript_record (transcript,
                                      "roster-draft", cards, card_count,
                                      (const char *[]) { out }, 1);
    }
    free (text);
done:
    keys_roster_destroy (&roster);
    return rc;
}

static keys_roster_t *
s_load_roster (const char *path)
{
    char err[ERR_LEN];
    keys_roster_t *roster = keys_roster_load (path, err, sizeof err);
    if (!roster)
        tool_error ("roster '%s': %s", path, err);
    return roster;
}

//  --------------------------------------------------------------------------
//  roster change: draft version n+1 from version n.

static int
s_change_apply (keys_roster_t *draft, const keys_roster_t *from,
                const char *const *adds, size_t add_count,
                const char *const *removes, size_t remove_count,
                const char *const *rotates, size_t rotate_count,
                const char *const *groups, size_t group_count)
{
    char err[ERR_LEN];
    //  A removed or rotated-out key is retired as of now: entries it
    //  signed before stay valid everywhere, later ones are refused.
    int64_t now = (int64_t) time (NULL);
    for (size_t i = 0; i < remove_count; i++) {
        const keys_member_t *m = keys_roster_member_lookup (from, removes[i]);
        if (!m || keys_roster_remove_member (draft, m->card.name, err,
                                             sizeof err) != 0) {
            tool_error ("--remove %s: no such member in version %" PRIu64,
                        removes[i], keys_roster_version (from));
            return -1;
        }
        if (keys_roster_retire (draft, m->card.sign_pk, m->card.name, now,
                                err, sizeof err)
            != 0) {
            tool_error ("--remove %s: %s", removes[i], err);
            return -1;
        }
    }
    for (size_t i = 0; i < rotate_count; i++) {
        s_assign_t assign;
        keys_card_t card;
        const keys_member_t *m = NULL;
        if (s_parse_assign (rotates[i], &assign, false) != 0
            || assign.count != 1
            || !(m = keys_roster_member_lookup (from, assign.name))) {
            tool_error ("invalid --rotate \"%s\": use MEMBER=CARDFILE with a "
                        "member of version %" PRIu64, rotates[i],
                        keys_roster_version (from));
            free (assign.copy);
            return -1;
        }
        char roles[KEYS_ROLES_MAX + 1];
        snprintf (roles, sizeof roles, "%s", m->roles);
        int rc = keys_card_load (&card, assign.items[0], err, sizeof err);
        if (rc == 0 && strcmp (card.name, m->card.name)) {
            snprintf (err, sizeof err, "the card is for \"%s\", not \"%s\"",
                      card.name, m->card.name);
            rc = -1;
        }
        if (rc == 0)
            rc = keys_roster_remove_member (draft, m->card.name, err,
                                            sizeof err);
        if (rc == 0)
            rc = keys_roster_retire (draft, m->card.sign_pk, m->card.name,
                                     now, err, sizeof err);
        if (rc == 0)
            rc = keys_roster_add_member (draft, &card, roles, err,
                                         sizeof err);
        free (assign.copy);
        if (rc != 0) {
            tool_error ("--rotate %s: %s", rotates[i], err);
            return -1;
        }
    }
    for (size_t i = 0; i < add_count; i++) {
        keys_card_t card;
        if (keys_card_load (&card, adds[i], err, sizeof err) != 0
            || keys_roster_add_member (draft, &card, "", err, sizeof err)
                   != 0) {
            tool_error ("--add-card %s: %s", adds[i], err);
            return -1;
        }
    }
    for (size_t g = 0; g < group_count; g++) {
        s_assign_t assign;
        //  NAME= (no members) removes the group.
        int rc = s_parse_assign (groups[g], &assign, true);
        if (rc == 0)
            //  assign.name points into assign.copy, which is freed below;
            //  the analyzer loses that alias on the no-members path.
            // NOLINTNEXTLINE(clang-analyzer-unix.Malloc)
            rc = keys_roster_set_group (draft, assign.name, assign.items,
                                        assign.count, err, sizeof err);
        else
            snprintf (err, sizeof err, "use NAME=MEMBER,MEMBER... (or "
                      "NAME= to remove the group)");
        free (assign.copy);
        if (rc != 0) {
            tool_error ("--group \"%s\": %s", groups[g], err);
            return -1;
        }
    }
    return 0;
}

static int
s_cmd_change (int argc, char *argv[])
{
    static const struct option options[] = {
        { "from", required_argument, NULL, 'f' },
        { "add-card", required_argument, NULL, 'a' },
        { "remove", required_argument, NULL, 'r' },
        { "rotate", required_argument, NULL, 'R' },
        { "threshold", required_argument, NULL, 't' },
        { "group", required_argument, NULL, 'g' },
        { "out", required_argument, NULL, 'o' },
        { "transcript", required_argument, NULL, 'T' },
        { "key", required_argument, NULL, 'k' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *adds[KEYS_ROSTER_MAX_MEMBERS];
    const char *removes[KEYS_ROSTER_MAX_MEMBERS];
    const char *rotates[KEYS_ROSTER_MAX_MEMBERS];
    const char *groups[KEYS_ROSTER_MAX_GROUPS];
    size_t add_count = 0, remove_count = 0, rotate_count = 0, group_count = 0;
    unsigned long threshold = 0;
    const char *from_path = NULL, *out = NULL;
    const char *transcript = NULL, *admin_key = NULL, *pass_file = NULL;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        bool full = false;
        switch (opt) {
        case 'f': from_path = optarg; break;
        case 'a':
            full = add_count == KEYS_ROSTER_MAX_MEMBERS;
            if (!full)
                adds[add_count++] = optarg;
            break;
        case 'r':
            full = remove_count == KEYS_ROSTER_MAX_MEMBERS;
            if (!full)
                removes[remove_count++] = optarg;
            break;
        case 'R':
            full = rotate_count == KEYS_ROSTER_MAX_MEMBERS;
            if (!full)
                rotates[rotate_count++] = optarg;
            break;
        case 'g':
            full = group_count == KEYS_ROSTER_MAX_GROUPS;
            if (!full)
                groups[group_count++] = optarg;
            break;
        case 't':
            if (tool_parse_uint (optarg, 1, KEYS_ROSTER_MAX_MEMBERS,
                                 &threshold)) {
                tool_error ("invalid threshold \"%s\"", optarg);
                return TOOL_EXIT_USAGE;
            }
            break;
        case 'o': out = optarg; break;
        case 'T': transcript = optarg; break;
        case 'k': admin_key = optarg; break;
        case 'p': pass_file = optarg; break;
        case 'h': fputs (s_usage_change, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage_change, stderr); return TOOL_EXIT_USAGE;
        }
        if (full) {
            tool_error ("too many options of one kind");
            return TOOL_EXIT_USAGE;
        }
    }
    if (!from_path || !out || optind != argc) {
        tool_error ("roster change needs --from and --out");
        fputs (s_usage_change, stderr);
        return TOOL_EXIT_USAGE;
    }
    if (!add_count && !remove_count && !rotate_count && !group_count
        && !threshold) {
        tool_error ("roster change needs at least one change: --add-card, "
                    "--remove, --rotate, --threshold or --group");
        return TOOL_EXIT_USAGE;
    }
    int ready = tool_check_out (out);
    if (!ready)
        ready = s_transcript_ready (transcript, admin_key, pass_file);
    if (ready)
        return ready;
    keys_roster_t *from = s_load_roster (from_path);
    if (!from)
        return TOOL_EXIT_USAGE;
    char err[ERR_LEN];
    int rc = TOOL_EXIT_USAGE;
    keys_roster_t *draft = keys_roster_dup_body (from);
    if (!draft || keys_roster_follow (draft, from, err, sizeof err) != 0) {
        tool_error ("cannot start a draft from '%s': %s", from_path,
                    draft ? err : "out of memory");
        goto done;
    }
    if (s_change_apply (draft, from, adds, add_count, removes, remove_count,
                        rotates, rotate_count, groups, group_count) != 0)
        goto done;
    if (threshold)
        keys_roster_set_threshold (draft, (unsigned) threshold);
    if (keys_roster_threshold (draft) > keys_roster_member_count (draft)) {
        tool_error ("threshold %u is more than the %zu members",
                    keys_roster_threshold (draft),
                    keys_roster_member_count (draft));
        goto done;
    }
    char *text = keys_roster_format (draft, false, NULL);
    if (!text) {
        tool_error ("the draft is not valid (no members, or threshold out of "
                    "range)");
        goto done;
    }
    if (s_write_new (out, text, 0644) == 0) {
        s_print_roster (stdout, draft);
        printf ("\ndraft of version %" PRIu64 " written to %s: members of "
                "version %" PRIu64 " (%u needed) and of the new version (%u "
                "needed) sign it with 'ceptoar-keys roster sign'\n",
                keys_roster_version (draft), out, keys_roster_version (from),
                keys_roster_threshold (from), keys_roster_threshold (draft));
        s_warn_threshold (draft);
        rc = TOOL_EXIT_OK;
        if (transcript) {
            //  The record names every file the draft was made from: the
            //  version in force and each card added or rotated in.
            const char *inputs[1 + 2 * KEYS_ROSTER_MAX_MEMBERS];
            size_t n = 0;
            inputs[n++] = from_path;
            for (size_t i = 0; i < add_count; i++)
                inputs[n++] = adds[i];
            for (size_t i = 0; i < rotate_count; i++)
                inputs[n++] = strchr (rotates[i], '=') + 1;
            const char *outputs[] = { out };
            rc = s_transcript_record (transcript,
                                      "roster-change", inputs, n, outputs, 1);
        }
    }
    free (text);
done:
    keys_roster_destroy (&draft);
    keys_roster_destroy (&from);
    return rc;
}

static int
s_cmd_sign (int argc, char *argv[])
{
    static const struct option options[] = {
        { "key", required_argument, NULL, 'k' },
        { "yes", no_argument, NULL, 'y' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "out", required_argument, NULL, 'o' },
        { "transcript", required_argument, NULL, 'T' },
        { "from", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *key_path = NULL, *pass_file = NULL, *out = NULL;
    const char *transcript = NULL, *from_path = NULL;
    bool yes = false;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'k': key_path = optarg; break;
        case 'y': yes = true; break;
        case 'p': pass_file = optarg; break;
        case 'o': out = optarg; break;
        case 'T': transcript = optarg; break;
        case 'f': from_path = optarg; break;
        case 'h': fputs (s_usage_sign, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage_sign, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!key_path || !out || optind != argc - 1) {
        tool_error ("roster sign needs --key, --out and one DRAFT");
        fputs (s_usage_sign, stderr);
        return TOOL_EXIT_USAGE;
    }
    int writable = tool_check_out (out);
    if (writable)
        return writable;
    int checked;
    if (transcript && (checked = keys_cmd_transcript_check (transcript)))
        return checked;
    keys_roster_t *draft = s_load_roster (argv[optind]);
    if (!draft)
        return TOOL_EXIT_USAGE;
    int rc = TOOL_EXIT_USAGE;
    keys_secret_t *key = NULL;
    keys_roster_t *from = NULL;
    if (from_path) {
        uint8_t hash[PROTO_HASH_BYTES];
        const uint8_t *previous = keys_roster_previous (draft);
        if (!(from = s_load_roster (from_path)))
            goto done;
        if (keys_roster_hash (from, hash) != 0 || !previous
            || memcmp (previous, hash, PROTO_HASH_BYTES)
            || keys_roster_version (draft) != keys_roster_version (from) + 1) {
            tool_error ("the draft (version %" PRIu64 ") does not follow "
                        "'%s' (version %" PRIu64 "): it was drafted from "
                        "another roster; do not sign it",
                        keys_roster_version (draft), from_path,
                        keys_roster_version (from));
            rc = TOOL_EXIT_FAIL;
            goto done;
        }
    }
    //  A draft whose retired lines break the rules would never verify;
    //  edited by hand, it may hide a lifted or invented retirement.
    char why[ERR_LEN];
    if ((from || keys_roster_version (draft) == 1)
        && keys_roster_verify_retired (draft, from, why, sizeof why) != 0) {
        tool_error ("%s: do not sign this draft", why);
        rc = TOOL_EXIT_FAIL;
        goto done;
    }
    fprintf (stderr, "You are asked to sign:\n\n");
    s_print_roster (stderr, draft);
    fputc ('\n', stderr);
    if (from) {
        keys_roster_diff_print (stderr, from, draft);
        fputc ('\n', stderr);
    }
    else if (keys_roster_version (draft) > 1 && !yes) {
        //  A person is about to sign a change without seeing it: the
        //  one thing a ceremony must never ask of a signer.
        tool_error ("this draft changes version %" PRIu64 ": give that "
                    "version with --from ROSTER, so that what it changes is "
                    "shown before you sign", keys_roster_version (draft) - 1);
        goto done;
    }
    else if (keys_roster_version (draft) > 1)
        fprintf (stderr, "WARNING: without --from (the version in force) the "
                         "changes this draft makes cannot be shown: compare "
                         "every member above with the roster in force "
                         "before you sign.\n\n");
    if (!yes && !tool_confirm ("Sign this roster?")) {
        if (isatty (STDIN_FILENO))
            tool_error ("not signed");
        goto done;
    }
    key = tool_open_key (key_path, pass_file, &rc);
    if (!key)
        goto done;
    rc = TOOL_EXIT_USAGE;
    const keys_member_t *member
        = keys_roster_member_by_key (draft, keys_secret_sign_pk (key));
    if (!member && keys_roster_version (draft) == 1) {
        tool_error ("this key is not a member of the genesis draft: its "
                    "signature would not count");
        rc = TOOL_EXIT_FAIL;
        goto done;
    }
    //  A key leaving in this version signs as the member it was; its
    //  signature counts toward the old threshold only.
    const keys_member_t *outgoing = member || !from ? NULL
        : keys_roster_member_by_key (from, keys_secret_sign_pk (key));
    if (!member && from && !outgoing) {
        tool_error ("this key is a member of neither version %" PRIu64
                    " nor version %" PRIu64 ": its signature would not count",
                    keys_roster_version (from), keys_roster_version (draft));
        rc = TOOL_EXIT_FAIL;
        goto done;
    }
    keys_sigfile_t sigfile;
    memset (&sigfile, 0, sizeof sigfile);
    sigfile.roster_version = keys_roster_version (draft);
    if (keys_roster_hash (draft, sigfile.roster_hash) != 0
        || keys_roster_sign (draft, key, sigfile.sig) != 0) {
        tool_error ("signing failed: the key could not sign or its "
                    "signature did not verify; check the key file with a "
                    "fresh 'ceptoar-keys gen' test key");
        goto done;
    }
    memcpy (sigfile.sign_pk, keys_secret_sign_pk (key), PROTO_PK_BYTES);
    snprintf (sigfile.signer, sizeof sigfile.signer, "%s",
              member     ? member->card.name
              : outgoing ? outgoing->card.name
                         : "outgoing-member");
    char *text = keys_sigfile_format (&sigfile);
    if (text && s_write_new (out, text, 0644) == 0) {
        char fpr[PROTO_FPR_HEX_LEN + 1];
        proto_fingerprint (fpr, sigfile.sign_pk);
        printf ("%s signed roster version %" PRIu64 " as %s (%s)\n",
                out, sigfile.roster_version, sigfile.signer, fpr);
        if (outgoing)
            printf ("  a key of version %" PRIu64 " that this draft takes "
                    "out: it counts toward version %" PRIu64 "'s threshold "
                    "only\n", keys_roster_version (from),
                    keys_roster_version (from));
        rc = TOOL_EXIT_OK;
        if (transcript) {
            const char *inputs[] = { argv[optind] };
            const char *outputs[] = { out };
            rc = keys_cmd_transcript_record (transcript, key, sigfile.signer,
                                             "roster-sign", inputs, 1,
                                             outputs, 1);
        }
    }
    free (text);
done:
    keys_secret_destroy (&key);
    keys_roster_destroy (&from);
    keys_roster_destroy (&draft);
    return rc;
}

static void
s_print_counts (const keys_roster_count_t *counts, uint64_t version)
{
    fprintf (stderr, "  version %" PRIu64 " members: %zu of %zu signatures\n",
             version, counts->own, counts->own_needed);
    if (counts->prev_needed)
        fprintf (stderr,
                 "  version %" PRIu64 " members: %zu of %zu signatures\n",
                 version - 1, counts->prev, counts->prev_needed);
}

static int
s_cmd_combine (int argc, char *argv[])
{
    static const struct option options[] = {
        { "from", required_argument, NULL, 'f' },
        { "out", required_argument, NULL, 'o' },
        { "notices", required_argument, NULL, 'N' },
        { "transcript", required_argument, NULL, 'T' },
        { "key", required_argument, NULL, 'k' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *from = NULL, *out = NULL;
    const char *transcript = NULL, *admin_key = NULL, *pass_file = NULL;
    const char *notices[KEYS_CMD_NOTICES_MAX];
    size_t notice_count = 0;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'f': from = optarg; break;
        case 'N':
            if (keys_cmd_notices_option (optarg, notices, &notice_count))
                return TOOL_EXIT_USAGE;
            break;
        case 'o': out = optarg; break;
        case 'T': transcript = optarg; break;
        case 'k': admin_key = optarg; break;
        case 'p': pass_file = optarg; break;
        case 'h': fputs (s_usage_combine, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage_combine, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!out || argc - optind < 2) {
        tool_error ("roster combine needs --out, a DRAFT and at least one "
                    "SIGFILE");
        fputs (s_usage_combine, stderr);
        return TOOL_EXIT_USAGE;
    }
    //  The record names the draft, the version in force and every
    //  signature file given.
    size_t n_inputs = (size_t) (argc - optind) + (from ? 1 : 0);
    int ready = transcript ? keys_cmd_transcript_room (n_inputs, 1) : 0;
    if (!ready)
        ready = s_transcript_ready (transcript, admin_key, pass_file);
    if (ready)
        return ready;
    int writable = tool_check_out (out);
    if (writable)
        return writable;
    int rc = TOOL_EXIT_USAGE;
    keys_roster_t *prev = NULL;
    keys_roster_t *draft = s_load_roster (argv[optind]);
    if (!draft)
        goto done;
    if (from && !(prev = s_load_roster (from)))
        goto done;
    if (keys_roster_version (draft) > 1 && !prev) {
        tool_error ("the draft is version %" PRIu64 ": give the version in "
                    "force with --from", keys_roster_version (draft));
        goto done;
    }
    if (notice_count) {
        keys_notice_set_t *set = NULL;
        if ((rc = keys_cmd_notices_load (notices, notice_count, &set)) != 0)
            goto done;
        rc = TOOL_EXIT_USAGE;
        int applied = keys_notice_set_apply (set, draft);
        if (applied == 0 && prev)
            applied = keys_notice_set_apply (set, prev);
        keys_notice_set_destroy (&set);
        if (applied != 0) {
            tool_error ("out of memory");
            goto done;
        }
    }
    uint8_t hash[PROTO_HASH_BYTES];
    if (keys_roster_hash (draft, hash) != 0) {
        tool_error ("the draft '%s' cannot be formatted: re-create it with "
                    "'roster draft'", argv[optind]);
        goto done;
    }
    char err[ERR_LEN];
    for (int i = optind + 1; i < argc; i++) {
        size_t len;
        char *text = tool_read_file (argv[i], 4096, &len);
        if (!text)
            goto done;
        keys_sigfile_t sigfile;
        int parsed = keys_sigfile_parse (&sigfile, text, len, err,
                                         sizeof err);
        free (text);
        if (parsed != 0) {
            tool_error ("'%s' is not a roster signature: %s", argv[i], err);
            goto done;
        }
        if (memcmp (sigfile.roster_hash, hash, PROTO_HASH_BYTES) != 0
            || sigfile.roster_version != keys_roster_version (draft)) {
            tool_error ("'%s' (by %s) signs a different draft: every signer "
                        "must sign the same draft file", argv[i],
                        sigfile.signer);
            rc = TOOL_EXIT_FAIL;
            goto done;
        }
        //  Only signatures that count go into the roster: a key that is a
        //  member of neither version counts toward no threshold.
        if (!keys_roster_member_by_key (draft, sigfile.sign_pk)
            && !(prev && keys_roster_member_by_key (prev, sigfile.sign_pk))) {
            char fpr[PROTO_FPR_HEX_LEN + 1];
            proto_fingerprint (fpr, sigfile.sign_pk);
            fprintf (stderr, "note: '%s' is signed by the key %s (calling "
                             "itself %s), a member of %s: it counts for "
                             "nothing and is left out\n", argv[i], fpr,
                     sigfile.signer, prev ? "neither version" : "no version");
            continue;
        }
        int added = keys_roster_add_signature (draft, sigfile.sign_pk,
                                               sigfile.sig, err, sizeof err);
        if (added < 0) {
            tool_error ("'%s' (by %s): %s", argv[i], sigfile.signer, err);
            rc = TOOL_EXIT_FAIL;
            goto done;
        }
        if (added == 1)
            fprintf (stderr, "note: '%s': %s has already signed; counted "
                             "once\n", argv[i], sigfile.signer);
    }
    keys_roster_count_t counts;
    if (keys_roster_verify (draft, prev, &counts, err, sizeof err) != 0) {
        tool_error ("roster not written: %s", err);
        s_print_counts (&counts, keys_roster_version (draft));
        rc = TOOL_EXIT_FAIL;
        goto done;
    }
    size_t text_len = 0;
    char *text = keys_roster_format (draft, true, &text_len);
    if (!text) {
        tool_error ("the roster cannot be formatted");
        goto done;
    }
    int written = s_write_new (out, text, 0644);
    free (text);
    if (written != 0)
        goto done;
    printf ("roster version %" PRIu64 " written to %s\n",
            keys_roster_version (draft), out);
    s_print_counts (&counts, keys_roster_version (draft));
    rc = TOOL_EXIT_OK;
    if (transcript) {
        const char **inputs = calloc (n_inputs, sizeof *inputs);
        if (!inputs) {
            tool_error ("out of memory");
            rc = TOOL_EXIT_USAGE;
            goto done;
        }
        size_t n = 0;
        inputs[n++] = argv[optind];
        if (from)
            inputs[n++] = from;
        for (int i = optind + 1; i < argc; i++)
            inputs[n++] = argv[i];
        const char *outputs[] = { out };
        rc = s_transcript_record (transcript, "roster-combine", inputs, n,
                                  outputs, 1);
        free (inputs);
    }
done:
    keys_roster_destroy (&draft);
    keys_roster_destroy (&prev);
    return rc;
}


int
main (int argc, char *argv[])
{
    tool_set_program ("ceptoar-keys");
    if (argc < 2) {
        fputs (s_usage_main, stderr);
        return TOOL_EXIT_USAGE;
    }
    if (!strcmp (argv[1], "--help") || !strcmp (argv[1], "-h")
        || !strcmp (argv[1], "help")) {
        fputs (s_usage_main, stdout);
        return TOOL_EXIT_OK;
    }
    if (proto_init () != 0) {
        tool_error ("libsodium could not start");
        return TOOL_EXIT_USAGE;
    }
    if (!strcmp (argv[1], "gen"))
        return s_cmd_gen (argc - 1, argv + 1);
    if (!strcmp (argv[1], "split"))
        return keys_cmd_split (argc - 1, argv + 1);
    if (!strcmp (argv[1], "revoke-cert"))
        return keys_cmd_revoke_cert (argc - 1, argv + 1);
    if (!strcmp (argv[1], "card-update"))
        return keys_cmd_card_update (argc - 1, argv + 1);
    if (!strcmp (argv[1], "recover"))
        return keys_cmd_recover (argc - 1, argv + 1);
    if (!strcmp (argv[1], "transcript"))
        return keys_cmd_transcript (argc - 1, argv + 1);
    if (!strcmp (argv[1], "roster")
        && (argc == 2 || !strcmp (argv[2], "--help")
            || !strcmp (argv[2], "-h"))) {
        fputs ("usage: ceptoar-keys roster draft|change|sign|combine|verify "
               "[OPTIONS]\n\n"
               "  draft    draft a genesis roster from members' cards\n"
               "  change   draft the next version: add, remove, rotate ...\n"
               "  sign     sign a draft (shows it and asks first)\n"
               "  combine  attach signatures; refuses below threshold\n"
               "  verify   verify a roster chain from its genesis\n\n"
               "'ceptoar-keys roster COMMAND --help' describes each.\n",
               argc == 2 ? stderr : stdout);
        return argc == 2 ? TOOL_EXIT_USAGE : TOOL_EXIT_OK;
    }
    if (!strcmp (argv[1], "roster") && argc >= 3) {
        const char *sub = argv[2];
        //  A step that stops after s_transcript_ready opened the key
        //  releases it here (secure memory, wiped).
        int rc = -1;
        if (!strcmp (sub, "draft"))
            rc = s_cmd_draft (argc - 2, argv + 2);
        else if (!strcmp (sub, "change"))
            rc = s_cmd_change (argc - 2, argv + 2);
        else if (!strcmp (sub, "combine"))
            rc = s_cmd_combine (argc - 2, argv + 2);
        keys_secret_destroy (&s_admin_key);
        if (rc >= 0)
            return rc;
        if (!strcmp (sub, "sign"))
            return s_cmd_sign (argc - 2, argv + 2);
        if (!strcmp (sub, "verify"))
            return keys_cmd_roster_verify (argc - 2, argv + 2);
    }
    tool_error ("unknown command '%s%s%s'", argv[1], argc >= 3 ? " " : "",
                argc >= 3 ? argv[2] : "");
    fputs (s_usage_main, stderr);
    return TOOL_EXIT_USAGE;
}
