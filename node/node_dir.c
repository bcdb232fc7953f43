/* SPDX-License-Identifier: MPL-2.0 */
/* node_dir: a node directory: configuration, key file, roster and store. */

/* A node directory is created once by `ceptoar init` and opened by every
   later command and by ceptoard. Opening never needs the passphrase: the
   configuration records the node's public signing key, and the roster file
   is public. This module does not decide policy; it only assembles the
   pieces and checks that they belong together.                              */

#include <czmq.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node_config.h"
#include "node_dir.h"

struct _node_dir_t {
    char *path;                       /* the node directory                 */
    char *key_path;                   /* path of node.key inside it         */
    char *name;                       /* member name from the config        */
    uint8_t self_pk[PROTO_PK_BYTES];  /* this node's Ed25519 key            */
    char *roster_path;                /* the roster in force's file         */
    char *config_path;                /* ceptoard.cfg                       */
    zconfig_t *config;                /* the configuration as loaded        */
    keys_roster_t *roster;            /* the roster in force, revocations
                                         applied                            */
    keys_notice_set_t *notices;       /* revocations and card updates held  */
    char *notices_path;               /* NODEDIR/notices                    */
    node_store_t *store;              /* the LMDB store                     */
};

static char *
s_join (const char *dir, const char *name)
{
    size_t len = strlen (dir) + 1 + strlen (name) + 1;
    char *path = malloc (len);
    if (path)
        snprintf (path, len, "%s/%s", dir, name);
    return path;
}

//  --------------------------------------------------------------------------
//  Copy src to a new file dst with mode 0600 (refusing to replace), synced.
//  Returns 0 or -1 with errno set.

static int
s_copy_private (const char *src, const char *dst)
{
    int in = open (src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    int out = open (dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        int saved = errno;
        close (in);
        errno = saved;
        return -1;
    }
    char buf[4096];
    ssize_t got;
    int rc = 0;
    while ((got = read (in, buf, sizeof buf)) > 0) {
        if (write (out, buf, (size_t) got) != got) {
            rc = -1;
            break;
        }
    }
    if (got < 0 || fsync (out) != 0)
        rc = -1;
    int saved = errno;
    close (in);
    close (out);
    sodium_memzero (buf, sizeof buf);
    errno = saved;
    return rc;
}

//  --------------------------------------------------------------------------
//  A directory is usable for init if it does not exist or is empty.

static int
s_prepare_dir (const char *dir, bool *created, char *err, size_t errlen)
{
    *created = false;
    //  Missing parents are created private, as mkdir -p would.
    char partial[4096];
    size_t len = strlen (dir);
    if (len >= sizeof partial) {
        keys_io_error (err, errlen, "directory name too long: '%s'", dir);
        return -1;
    }
    memcpy (partial, dir, len + 1);
    for (size_t i = 1; i < len; i++) {
        if (partial[i] != '/')
            continue;
        partial[i] = 0;
        if (mkdir (partial, 0700) != 0 && errno != EEXIST) {
            keys_io_error (err, errlen, "cannot create directory '%s': %s",
                           partial, strerror (errno));
            return -1;
        }
        partial[i] = '/';
    }
    if (mkdir (dir, 0700) == 0) {
        *created = true;
        return 0;
    }
    if (errno != EEXIST) {
        keys_io_error (err, errlen, "cannot create directory '%s': %s", dir,
                       strerror (errno));
        return -1;
    }
    //  Every entry counts, dotfiles and empty directories included: init
    //  must never mix a node into a directory that holds something else.
    DIR *listing = opendir (dir);
    if (!listing) {
        keys_io_error (err, errlen, "cannot read directory '%s': %s", dir,
                       strerror (errno));
        return -1;
    }
    size_t count = 0;
    struct dirent *item;
    while ((item = readdir (listing)) != NULL)
        if (strcmp (item->d_name, ".") && strcmp (item->d_name, ".."))
            count++;
    closedir (listing);
    if (count > 0) {
        keys_io_error (
            err, errlen,
            "'%s' is not empty: choose a new directory (an existing node "
            "is never overwritten)",
            dir);
        return -1;
    }
    if (chmod (dir, 0700) != 0) {
        keys_io_error (err, errlen, "cannot set mode 0700 on '%s': %s", dir,
                       strerror (errno));
        return -1;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  fsync a file or directory by path. Returns 0 or -1.

static int
s_sync_path (const char *path)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync (fd);
    close (fd);
    return rc;
}

static int
s_write_config (const char *dir, const char *name, const uint8_t *pk,
                const uint8_t *roster_hash, const char *listen, char *err,
                size_t errlen)
{
    char hex[2 * PROTO_PK_BYTES + 1];
    char roster_hex[2 * PROTO_HASH_BYTES + 1];
    proto_hex_encode (hex, pk, PROTO_PK_BYTES);
    proto_hex_encode (roster_hex, roster_hash, PROTO_HASH_BYTES);
    zconfig_t *root = zconfig_new ("root", NULL);
    zconfig_set_comment (root, " ceptoard configuration (ZPL). See "
                               "docs/operations.md.");
    zconfig_put (root, "node/name", name);
    zconfig_put (root, "node/sign-key", hex);
    zconfig_put (root, "node/key-file", NODE_DIR_KEY);
    zconfig_put (root, "node/roster-file", NODE_DIR_ROSTER);
    //  The roster verified at init, pinned: a roster file edited or
    //  replaced by hand afterwards is refused at open.
    zconfig_put (root, "node/roster-hash", roster_hex);
    if (listen)
        zconfig_put (root, "node/listen", listen);
    zconfig_put (root, "log/level", "info");
    //  Peers: by default every member's endpoints from its roster card.
    //  peers/NAME/endpoint = "tcp://..." overrides or adds one; with
    //  replication/connect-roster = 0 only listed peers are dialled.
    zconfig_put (root, "replication/connect-roster", "1");
    zconfig_putf (root, "replication/heads-interval-ms", "%d",
                  NODE_DIR_HEADS_INTERVAL_MS);
    zconfig_put (root, "replication/requests-per-sec", "200");
    zconfig_putf (root, "store/map-size", "%lu", NODE_STORE_DEFAULT_MAP);
    zconfig_putf (root, "store/max-map-size", "%lu",
                  NODE_STORE_DEFAULT_MAX_MAP);
    char *path = s_join (dir, NODE_DIR_CONFIG);
    int rc = path ? zconfig_save (root, path) : -1;
    if (rc == 0)
        rc = s_sync_path (path);
    if (rc != 0)
        keys_io_error (err, errlen, "cannot write '%s': %s",
                       path ? path : NODE_DIR_CONFIG, strerror (errno));
    free (path);
    zconfig_destroy (&root);
    return rc == 0 ? 0 : -1;
}

//  --------------------------------------------------------------------------
//  Remove what init made inside a directory it created, then the directory.

static void
s_undo_create (const char *dir)
{
    const char *files[] = { NODE_DIR_CONFIG, NODE_DIR_KEY, NODE_DIR_ROSTER,
                            NODE_DIR_STORE "/data.mdb",
                            NODE_DIR_STORE "/lock.mdb" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *path = s_join (dir, files[i]);
        if (path)
            unlink (path);
        free (path);
    }
    char *store = s_join (dir, NODE_DIR_STORE);
    if (store)
        rmdir (store);
    free (store);
    rmdir (dir);
}

//  Keep a roster version under NODEDIR/rosters/ (defined below, with the
//  other roster-version helpers).
static int s_keep_version_at (const char *node_path,
                              const keys_roster_t *roster, char *err,
                              size_t errlen);

int
node_dir_create (const char *dir, const char *key_file,
                 const keys_secret_t *key, keys_roster_t *const *chain,
                 size_t chain_len, const char *listen, char *err,
                 size_t errlen)
{
    assert (dir);
    assert (key_file);
    assert (key);
    assert (chain && chain_len > 0);
    const keys_roster_t *roster = chain[chain_len - 1];

    const keys_member_t *member
        = keys_roster_member_by_key (roster, keys_secret_sign_pk (key));
    if (!member) {
        char fpr[PROTO_FPR_HEX_LEN + 1];
        proto_fingerprint (fpr, keys_secret_sign_pk (key));
        keys_io_error (
            err, errlen,
            "key %s is not a member of roster version %llu: use the key "
            "whose card was put in the roster",
            fpr, (unsigned long long) keys_roster_version (roster));
        return -1;
    }
    if (memcmp (member->card.box_pk, keys_secret_box_pk (key),
                PROTO_BOXPK_BYTES) != 0) {
        keys_io_error (
            err, errlen,
            "the roster lists a different box key for '%s' than this key "
            "file holds: the card and the key file do not belong together",
            member->card.name);
        return -1;
    }
    bool created;
    if (s_prepare_dir (dir, &created, err, errlen) != 0)
        return -1;

    char *key_path = s_join (dir, NODE_DIR_KEY);
    char *roster_path = s_join (dir, NODE_DIR_ROSTER);
    char *store_path = s_join (dir, NODE_DIR_STORE);
    int rc = -1;
    if (!key_path || !roster_path || !store_path) {
        keys_io_error (err, errlen, "out of memory");
        goto done;
    }
    if (s_copy_private (key_file, key_path) != 0) {
        keys_io_error (err, errlen, "cannot copy key file '%s' to '%s': %s",
                       key_file, key_path, strerror (errno));
        goto done;
    }
    if (keys_roster_save (roster, roster_path, err, errlen) != 0)
        goto done;
    //  The versions before it, which the caller verified as a chain: this
    //  node can bring a peer on any of them forward (13.9.4).
    for (size_t i = 0; i + 1 < chain_len; i++)
        if (s_keep_version_at (dir, chain[i], err, errlen) != 0)
            goto done;
    uint8_t roster_hash[PROTO_HASH_BYTES];
    if (keys_roster_hash (roster, roster_hash) != 0) {
        keys_io_error (err, errlen, "the roster cannot be hashed");
        goto done;
    }
    if (s_write_config (dir, member->card.name, keys_secret_sign_pk (key),
                        roster_hash, listen, err, errlen) != 0)
        goto done;
    node_store_t *store = node_store_open (store_path, 0, 0, err, errlen);
    if (!store)
        goto done;
    node_store_destroy (&store);
    //  Make the new directory entries themselves durable.
    if (s_sync_path (store_path) != 0 || s_sync_path (dir) != 0) {
        keys_io_error (err, errlen, "cannot sync '%s': %s", dir,
                       strerror (errno));
        goto done;
    }
    rc = 0;
done:
    if (rc != 0 && created)
        s_undo_create (dir);
    free (key_path);
    free (roster_path);
    free (store_path);
    return rc;
}

//  --------------------------------------------------------------------------
//  Path of a file named in the config: relative names are inside dir.

static char *
s_config_path (const char *dir, const char *value)
{
    return value[0] == '/' ? strdup (value) : s_join (dir, value);
}

node_dir_t *
node_dir_open (const char *dir, char *err, size_t errlen)
{
    assert (dir);
    node_dir_t *self = calloc (1, sizeof *self);
    char *config_path = s_join (dir, NODE_DIR_CONFIG);
    char *roster_path = NULL;
    char *store_path = NULL;
    zconfig_t *config = NULL;
    if (!self || !config_path) {
        keys_io_error (err, errlen, "out of memory");
        goto fail;
    }
    self->path = strdup (dir);
    //  Every value checked once, here: later readers of the tree (the
    //  replication actor) get values within the documented limits.
    char reason[256];
    int loaded = node_config_load (config_path, &config, reason,
                                   sizeof reason);
    if (loaded == NODE_CONFIG_IO) {
        keys_io_error (
            err, errlen,
            "'%s' is not a node directory (no readable %s): create one "
            "with 'ceptoar init'",
            dir, NODE_DIR_CONFIG);
        goto fail;
    }
    node_config_t values;
    if (loaded != 0
        || node_config_check (config, &values, reason, sizeof reason) != 0) {
        keys_io_error (err, errlen, "%s: %s", config_path, reason);
        goto fail;
    }
    memcpy (self->self_pk, values.sign_pk, PROTO_PK_BYTES);
    self->name = strdup (values.name);
    self->key_path = s_config_path (dir, values.key_file);
    roster_path = s_config_path (dir, values.roster_file);
    store_path = s_join (dir, NODE_DIR_STORE);
    if (!self->path || !self->name || !self->key_path || !roster_path
        || !store_path) {
        keys_io_error (err, errlen, "out of memory");
        goto fail;
    }
    self->roster = keys_roster_load (roster_path, reason, sizeof reason);
    if (!self->roster) {
        keys_io_error (err, errlen, "cannot load the roster '%s': %s",
                       roster_path, reason);
        goto fail;
    }
    uint8_t actual[PROTO_HASH_BYTES];
    if (!values.has_roster_hash
        || keys_roster_hash (self->roster, actual) != 0
        || sodium_memcmp (values.roster_hash, actual, PROTO_HASH_BYTES)
               != 0) {
        keys_io_error (
            err, errlen,
            "the roster '%s' is not the one this node verified "
            "(node/roster-hash in %s): it was edited or replaced; restore "
            "it, or apply a new roster version through the node",
            roster_path, NODE_DIR_CONFIG);
        goto fail;
    }
    //  Revocations hold whatever the roster says: a notices file that
    //  cannot be read must stop the node, not quietly re-admit a key.
    self->notices = keys_notice_set_new ();
    self->notices_path = s_join (dir, NODE_DIR_NOTICES);
    if (!self->notices || !self->notices_path) {
        keys_io_error (err, errlen, "out of memory");
        goto fail;
    }
    if (keys_notice_set_load (self->notices, self->notices_path, reason,
                              sizeof reason)
            != 0
        || keys_notice_set_apply (self->notices, self->roster) != 0) {
        keys_io_error (
            err, errlen,
            "cannot load the revocations and card updates: %s; restore "
            "the file from a backup or from another node's copy",
            reason);
        goto fail;
    }
    //  The store is created only by init: a missing one (an unmounted disk,
    //  a half-done restore) must not silently restart this node's chain at
    //  seq 1, which every peer would see as a fork.
    char *data_path = s_join (store_path, "data.mdb");
    bool present = data_path && access (data_path, F_OK) == 0;
    free (data_path);
    if (!present) {
        keys_io_error (
            err, errlen,
            "the store '%s' is missing: restore it from backup (a new "
            "empty store would fork this node's chain)",
            store_path);
        goto fail;
    }
    self->store = node_store_open (store_path, (size_t) values.map_size,
                                   (size_t) values.max_map_size, err,
                                   errlen);
    if (!self->store)
        goto fail;
    node_store_set_roster (self->store, self->roster);
    node_store_set_self (self->store, self->self_pk);
    self->config = config;
    self->config_path = config_path;
    self->roster_path = roster_path;
    free (store_path);
    return self;
fail:
    zconfig_destroy (&config);
    free (config_path);
    free (roster_path);
    free (store_path);
    node_dir_destroy (&self);
    return NULL;
}

void
node_dir_destroy (node_dir_t **self_p)
{
    assert (self_p);
    node_dir_t *self = *self_p;
    if (!self)
        return;
    node_store_destroy (&self->store);
    keys_roster_destroy (&self->roster);
    keys_notice_set_destroy (&self->notices);
    free (self->notices_path);
    zconfig_destroy (&self->config);
    free (self->config_path);
    free (self->roster_path);
    free (self->path);
    free (self->key_path);
    free (self->name);
    free (self);
    *self_p = NULL;
}

node_store_t *
node_dir_store (node_dir_t *self)
{
    assert (self);
    return self->store;
}

const keys_roster_t *
node_dir_roster (node_dir_t *self)
{
    assert (self);
    return self->roster;
}

const keys_member_t *
node_dir_self (node_dir_t *self)
{
    assert (self);
    return keys_roster_member_by_key (self->roster, self->self_pk);
}

const uint8_t *
node_dir_self_pk (node_dir_t *self)
{
    assert (self);
    return self->self_pk;
}

const char *
node_dir_name (node_dir_t *self)
{
    assert (self);
    return self->name;
}

const char *
node_dir_key_path (node_dir_t *self)
{
    assert (self);
    return self->key_path;
}

const char *
node_dir_path (node_dir_t *self)
{
    assert (self);
    return self->path;
}

zconfig_t *
node_dir_config (node_dir_t *self)
{
    assert (self);
    return self->config;
}

const char *
node_dir_config_get (node_dir_t *self, const char *path,
                     const char *default_value)
{
    assert (self);
    return zconfig_get (self->config, path, default_value);
}

//  --------------------------------------------------------------------------
//  Roster versions: the one in force is NODEDIR/roster; every version this
//  node accepted is also kept as NODEDIR/rosters/<version>, so that it can
//  bring a peer on an older version forward one version at a time.

static char *
s_history_path_at (const char *node_path, uint64_t version)
{
    char name[64];
    snprintf (name, sizeof name, "%s/%llu", NODE_DIR_ROSTERS,
              (unsigned long long) version);
    return s_join (node_path, name);
}

static char *
s_history_path (node_dir_t *self, uint64_t version)
{
    return s_history_path_at (self->path, version);
}

static int
s_keep_version_at (const char *node_path, const keys_roster_t *roster,
                   char *err, size_t errlen)
{
    char *dir = s_join (node_path, NODE_DIR_ROSTERS);
    if (!dir || (mkdir (dir, 0700) != 0 && errno != EEXIST)) {
        keys_io_error (err, errlen, "cannot create '%s': %s",
                       dir ? dir : NODE_DIR_ROSTERS, strerror (errno));
        free (dir);
        return -1;
    }
    char *path = s_history_path_at (node_path, keys_roster_version (roster));
    int rc = path ? keys_roster_save (roster, path, err, errlen) : -1;
    //  Durable before the configuration may name it.
    if (rc == 0 && (s_sync_path (path) != 0 || s_sync_path (dir) != 0)) {
        keys_io_error (err, errlen, "cannot sync '%s': %s", path,
                       strerror (errno));
        rc = -1;
    }
    free (path);
    free (dir);
    return rc;
}

static int
s_keep_version (node_dir_t *self, const keys_roster_t *roster, char *err,
                size_t errlen)
{
    return s_keep_version_at (self->path, roster, err, errlen);
}

char *
node_dir_roster_text (node_dir_t *self, uint64_t version, size_t *len)
{
    assert (self);
    if (version == keys_roster_version (self->roster))
        return keys_roster_format (self->roster, true, len);
    char *path = s_history_path (self, version);
    char reason[256];
    keys_roster_t *roster = path ? keys_roster_load (path, reason,
                                                     sizeof reason)
                                 : NULL;
    free (path);
    if (!roster || keys_roster_version (roster) != version) {
        keys_roster_destroy (&roster);
        return NULL;
    }
    char *text = keys_roster_format (roster, true, len);
    keys_roster_destroy (&roster);
    return text;
}

/* ------------------------------------------------------------------------
   Another roster with the version in force. It is a fork of the roster
   chain only if it is validly signed as the successor of the version
   before (or as a genesis): an unsigned or under-signed file is just
   refused, so that no one can raise the alarm with a draft. Returns -1.    */
static int
s_refuse_same_version (node_dir_t *self, const keys_roster_t *roster,
                       char *err, size_t errlen)
{
    uint64_t version = keys_roster_version (roster);
    keys_roster_t *before = NULL;
    if (version > 1) {
        size_t len;
        char *text = node_dir_roster_text (self, version - 1, &len);
        char ignored[256];
        before = text ? keys_roster_parse (text, len, ignored, sizeof ignored)
                      : NULL;
        free (text);
        if (before)
            keys_notice_set_apply (self->notices, before);
    }
    char reason[256];
    bool valid = (version == 1 || before)
                 && keys_roster_verify (roster, before, NULL, reason,
                                        sizeof reason)
                        == 0;
    keys_roster_destroy (&before);
    if (valid)
        keys_io_error (
            err, errlen,
            "a different roster with version %llu is already in force: "
            "the roster chain has forked; tell the Council",
            (unsigned long long) version);
    else
        keys_io_error (
            err, errlen,
            "version %llu is already in force, and this other version "
            "%llu is not a valid one either%s%s",
            (unsigned long long) version, (unsigned long long) version,
            version == 1 || before ? ": " : "",
            version == 1 || before ? reason : "");
    return -1;
}

int
node_dir_apply_roster (node_dir_t *self, const keys_roster_t *roster,
                       char *err, size_t errlen)
{
    assert (self);
    assert (roster);
    uint64_t current = keys_roster_version (self->roster);
    uint64_t version = keys_roster_version (roster);
    if (version <= current) {
        uint8_t a[PROTO_HASH_BYTES], b[PROTO_HASH_BYTES];
        if (version == current && keys_roster_hash (roster, a) == 0
            && keys_roster_hash (self->roster, b) == 0
            && memcmp (a, b, PROTO_HASH_BYTES) != 0)
            return s_refuse_same_version (self, roster, err, errlen);
        keys_io_error (err, errlen,
                       "version %llu is not newer than the version in "
                       "force (%llu)",
                       (unsigned long long) version,
                       (unsigned long long) current);
        return 0;
    }
    char reason[256];
    keys_roster_count_t counts;
    if (keys_roster_verify (roster, self->roster, &counts, reason,
                            sizeof reason) != 0) {
        keys_io_error (err, errlen,
                       "roster version %llu does not follow version "
                       "%llu in force: %s",
                       (unsigned long long) version,
                       (unsigned long long) current, reason);
        return -1;
    }
    uint8_t hash[PROTO_HASH_BYTES];
    char hex[2 * PROTO_HASH_BYTES + 1];
    keys_roster_t *copy = NULL;
    char *text = NULL;
    size_t len = 0;
    if (keys_roster_hash (roster, hash) != 0
        || !(text = keys_roster_format (roster, true, &len))
        || !(copy = keys_roster_parse (text, len, reason, sizeof reason))) {
        free (text);
        keys_io_error (err, errlen, "cannot copy the new roster");
        return -1;
    }
    free (text);
    proto_hex_encode (hex, hash, PROTO_HASH_BYTES);
    //  One commit point, safe against a crash at any moment: the new
    //  version is saved (synced) under rosters/, then ONE atomic rename of
    //  the configuration switches both the roster file it names and the
    //  pinned hash. Before the rename the node opens on the old version,
    //  after it on the new; never on a roster that does not match its pin.
    if (keys_notice_set_apply (self->notices, copy) != 0) {
        keys_roster_destroy (&copy);
        keys_io_error (err, errlen, "out of memory");
        return -1;
    }
    char *history = s_history_path (self, keys_roster_version (copy));
    char relative[64];
    snprintf (relative, sizeof relative, "%s/%llu", NODE_DIR_ROSTERS,
              (unsigned long long) keys_roster_version (copy));
    if (!history || s_keep_version (self, self->roster, err, errlen) != 0
        || s_keep_version (self, copy, err, errlen) != 0) {
        free (history);
        keys_roster_destroy (&copy);
        return -1;
    }
    zconfig_put (self->config, "node/roster-file", relative);
    zconfig_put (self->config, "node/roster-hash", hex);
    //  Replace the configuration atomically: a torn file would lose the
    //  node's name and key.
    char *tmp = s_join (self->path, NODE_DIR_CONFIG ".new");
    if (!tmp || zconfig_save (self->config, tmp) != 0
        || s_sync_path (tmp) != 0
        || rename (tmp, self->config_path) != 0
        || s_sync_path (self->path) != 0) {
        free (tmp);
        free (history);
        keys_io_error (err, errlen, "cannot write '%s': %s", self->config_path,
                       strerror (errno));
        keys_roster_destroy (&copy);
        return -1;
    }
    free (tmp);
    free (self->roster_path);
    self->roster_path = history;
    //  The top-level `roster` stays a readable copy of the version in
    //  force for operators (best effort: the configuration is what
    //  counts).
    char *copy_path = s_join (self->path, NODE_DIR_ROSTER);
    char ignored[256];
    if (copy_path)
        keys_roster_save (copy, copy_path, ignored, sizeof ignored);
    free (copy_path);
    node_store_set_roster (self->store, copy);
    keys_roster_destroy (&self->roster);
    self->roster = copy;
    return 1;
}

const keys_notice_set_t *
node_dir_notices (node_dir_t *self)
{
    assert (self);
    return self->notices;
}

int
node_dir_apply_notice (node_dir_t *self, const keys_notice_t *notice,
                       char *err, size_t errlen)
{
    assert (self);
    assert (notice);
    char fpr[PROTO_FPR_HEX_LEN + 1];
    proto_fingerprint (fpr, notice->sign_pk);
    //  Only keys of the roster: a stranger's self-signed notices would
    //  otherwise fill the set without bound.
    const keys_member_t *member
        = keys_roster_member_by_key (self->roster, notice->sign_pk);
    const keys_retired_t *retired
        = member ? NULL
                 : keys_roster_retired_by_key (self->roster, notice->sign_pk);
    if (!member && !retired) {
        keys_io_error (
            err, errlen,
            "the %s is for key %s, which is no key of roster version "
            "%llu (neither a member's nor a retired one)",
            keys_notice_kind_name (notice->kind), fpr,
            (unsigned long long) keys_roster_version (self->roster));
        return NODE_DIR_NOTICE_REFUSED;
    }
    //  The name is what operators read in logs and 'roster show': it must
    //  be the roster's name for the key, or one member could sign a notice
    //  that reads as another's.
    const char *name = member ? member->card.name : retired->name;
    if (strcmp (notice->name, name)) {
        keys_io_error (err, errlen,
                       "the %s names \"%s\", but key %s is \"%s\"'s in roster "
                       "version %llu",
                       keys_notice_kind_name (notice->kind), notice->name, fpr,
                       name,
                       (unsigned long long) keys_roster_version (self->roster));
        return NODE_DIR_NOTICE_REFUSED;
    }
    //  Endpoints are published by a member's current key alone: a key
    //  taken out (retired) or revoked may be in other hands.
    if (notice->kind == KEYS_NOTICE_CARD_UPDATE
        && !keys_roster_member_active (self->roster, notice->sign_pk)) {
        keys_io_error (
            err, errlen,
            "the card update is signed by key %s, which is %s: only a "
            "member's current key publishes its endpoints",
            fpr, member ? "revoked" : "retired");
        return NODE_DIR_NOTICE_REFUSED;
    }
    int added = keys_notice_set_add (self->notices, notice);
    if (added < 0) {
        keys_io_error (err, errlen, "the node holds too many notices");
        return NODE_DIR_NOTICE_FAILED;
    }
    if (added == 0)
        return 0;
    char reason[256];
    if (keys_notice_set_save (self->notices, self->notices_path, reason,
                              sizeof reason)
        != 0) {
        //  Not durable: forget it here too, so memory and disk agree.
        keys_notice_set_t *reread = keys_notice_set_new ();
        if (reread
            && keys_notice_set_load (reread, self->notices_path, err, errlen)
                   == 0) {
            keys_notice_set_destroy (&self->notices);
            self->notices = reread;
        }
        else
            keys_notice_set_destroy (&reread);
        keys_io_error (err, errlen, "cannot save the %s: %s",
                       keys_notice_kind_name (notice->kind), reason);
        return NODE_DIR_NOTICE_FAILED;
    }
    if (notice->kind == KEYS_NOTICE_REVOCATION
        && keys_roster_revoke (self->roster, notice->sign_pk) != 0) {
        keys_io_error (err, errlen, "out of memory");
        return NODE_DIR_NOTICE_FAILED;
    }
    return 1;
}
