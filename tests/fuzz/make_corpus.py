#!/usr/bin/env python3
# SPDX-License-Identifier: MPL-2.0
# make_corpus.py: seed corpora and dictionaries for the libFuzzer harnesses.
"""Builds one seed directory per harness under OUT, plus OUT/<harness>.dict.

Seeds come from four places:

* tests/vectors/*.txt (hex fields): entry stubs and payloads, plaintext
  and sealed payloads, and every reject vector, each fed to the harness
  that decodes that kind of input (fuzz_entry takes stub || payload);
* the examples in docs/formats.md (key file, card, roster, signature file);
* values at their documented limits (256 members and 64 groups, 512
  signatures, a payload with every count at its maximum, 65 sealed slots,
  a stub to 64 named nodes);
* small valid files made by the real tool (--keys-tool, e.g.
  build-fuzz/tools/ceptoar-keys): keys without a passphrase (and one with,
  for the "needs a passphrase" path), cards, a roster draft, detached
  signatures and the combined roster, and a few hand-made variants that
  use the documented allowances (comments before a card, no final LF);
  key backup shares (`split`, alone and as NUL-separated sets for
  recovery) and the ceremony transcript those commands wrote
  (--transcript);
* the node configuration as `ceptoar init` writes it and the examples of
  docs/operations.md, as zconfig saves it back, and with every value at
  its limits;
* incident and status bodies as `ceptoar incident open` and `ceptoar
  status post` write them, each state, and the near misses.

Seed files are named by the SHA-1 of their content, as libFuzzer names the
inputs it adds, so running this again only adds what is new.

Usage: make_corpus.py --out DIR [--keys-tool PATH] [--source REPO_ROOT]
"""

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile

HARNESSES = ("fuzz_entry", "fuzz_payload", "fuzz_sealed", "fuzz_card",
             "fuzz_roster", "fuzz_keyfile", "fuzz_sigfile", "fuzz_wire",
             "fuzz_notice", "fuzz_receipt", "fuzz_share", "fuzz_transcript",
             "fuzz_config", "fuzz_status")

SECTORS = ("telecom", "cable-tv", "broadcasting", "banking", "securities",
           "life-insurance", "non-life-insurance", "funds-settlement",
           "aviation", "airports", "railway", "electricity", "gas",
           "local-government", "medical", "water", "logistics", "chemical",
           "credit", "petroleum", "ports")


class Corpus:
    """Seed files per harness, named by content hash."""

    def __init__(self, out):
        self.out = out
        self.added = {h: 0 for h in HARNESSES}
        for h in HARNESSES:
            os.makedirs(os.path.join(out, h), exist_ok=True)

    def add(self, harness, data):
        if isinstance(data, str):
            data = data.encode()
        path = os.path.join(self.out, harness,
                            hashlib.sha1(data).hexdigest())
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
            self.added[harness] += 1


def read_vector(path):
    """Returns the vector's fields: {key: [values]} (keys may repeat)."""
    fields = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition(": ")
            if sep:
                fields.setdefault(key, []).append(value)
    return fields


def hexfield(fields, key):
    values = fields.get(key)
    return bytes.fromhex(values[0]) if values else None


def seeds_from_vectors(corpus, vectors_dir):
    for name in sorted(os.listdir(vectors_dir)):
        if not name.endswith(".txt"):
            continue
        v = read_vector(os.path.join(vectors_dir, name))
        kind = v.get("vector", [""])[0]
        if kind == "entry":
            stub, payload = hexfield(v, "stub"), hexfield(v, "payload")
            corpus.add("fuzz_entry", stub + payload)
            corpus.add("fuzz_entry", stub)
            target = ("fuzz_sealed" if payload[:2] == b"\xce\xc1"
                      else "fuzz_payload")
            corpus.add(target, payload)
            plaintext = hexfield(v, "plaintext")
            if plaintext:
                corpus.add("fuzz_payload", plaintext)
                corpus.add("fuzz_sealed", plaintext)   # for the round trip
        elif kind == "payload":
            corpus.add("fuzz_payload", hexfield(v, "payload"))
        elif kind == "reject":
            what = v.get("input", [""])[0]
            if what == "entry":
                corpus.add("fuzz_entry",
                           hexfield(v, "stub") + hexfield(v, "payload"))
            elif what == "stub":
                corpus.add("fuzz_entry", hexfield(v, "bytes"))
            elif what == "payload":
                corpus.add("fuzz_payload", hexfield(v, "bytes"))
            elif what == "sealed":
                corpus.add("fuzz_sealed", hexfield(v, "bytes"))
            elif what == "frame":
                corpus.add("fuzz_wire", hexfield(v, "bytes"))
        elif kind == "wire":
            corpus.add("fuzz_wire", hexfield(v, "frame"))


def seeds_from_docs(corpus, formats_md):
    """The fenced examples of docs/formats.md, by their first line."""
    with open(formats_md, encoding="utf-8") as f:
        text = f.read()
    starts = {"ceptoar-secret-key v1 ": "fuzz_keyfile",
              "ceptoar-card: 1": "fuzz_card",
              "ceptoar-roster: 1": "fuzz_roster",
              "ceptoar-roster-signature: 1": "fuzz_sigfile",
              "ceptoar-revocation: 1": "fuzz_notice",
              "ceptoar-card-update: 1": "fuzz_notice"}
    blocks, block = [], None
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            if block is None:
                block = ""
            else:
                blocks.append(block)
                block = None
        elif block is not None:
            block += line
    for block in blocks:
        for start, harness in starts.items():
            if block.startswith(start):
                corpus.add(harness, block)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, **kw)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def seeds_from_tool(corpus, tool):
    """Valid files made by ceptoar-keys, in a scratch directory."""
    with tempfile.TemporaryDirectory(prefix="ceptoar-corpus.") as tmp:
        members = [("T-CEPTOAR", "telecom",
                    ["tcp://127.0.0.1:7001", "ipc:///run/ceptoar/t.sock"]),
                   ("FIN-BANK", "banking", ["tcp://[::1]:7002"]),
                   ("fin.sec_2", "securities",
                    ["tcp://node-3.example.jp:65535"]),
                   ("Water", "water", [])]
        cards = []
        # The ceremony transcript: every step below that can, records
        # itself in it.
        log = os.path.join(tmp, "ceremony.log")
        for name, sector, endpoints in members:
            out = os.path.join(tmp, name)
            cmd = [tool, "gen", "--name", name, "--sector", sector,
                   "--out", out, "--no-passphrase", "--transcript", log]
            for e in endpoints:
                cmd += ["--endpoint", e]
            run(cmd)
            card = os.path.join(out, "node.card")
            cards.append(card)
            corpus.add("fuzz_keyfile", read(os.path.join(out, "node.key")))
            text = read(card)
            corpus.add("fuzz_card", text)
            # The documented allowances: comments and blank lines first,
            # no final LF.
            corpus.add("fuzz_card", b"# card of " + name.encode()
                       + b"\n\n# checked by phone\n" + text)
            corpus.add("fuzz_card", text.rstrip(b"\n"))

        # A key with a passphrase: loads as "needs a passphrase".
        secret = os.path.join(tmp, "passphrase")
        with open(secret, "w") as f:
            f.write("correct horse battery staple\n")
        out = os.path.join(tmp, "encrypted")
        run([tool, "gen", "--name", "Enc", "--sector", "gas", "--out", out,
             "--passphrase-file", secret])
        corpus.add("fuzz_keyfile", read(os.path.join(out, "node.key")))

        draft = os.path.join(tmp, "roster.draft")
        cmd = [tool, "roster", "draft", "--threshold", "2", "--out", draft,
               "--group", "finance=FIN-BANK,fin.sec_2",
               "--group", "all-1=FIN-BANK,T-CEPTOAR,Water,fin.sec_2",
               "--role", "T-CEPTOAR=secretariat,drill-lead"]
        for card in cards:
            cmd += ["--card", card]
        run(cmd)
        corpus.add("fuzz_roster", read(draft))
        sigs = []
        for name in ("T-CEPTOAR", "FIN-BANK", "fin.sec_2"):
            sig = os.path.join(tmp, name + ".sig")
            run([tool, "roster", "sign", "--key",
                 os.path.join(tmp, name, "node.key"), "--yes", "--out", sig,
                 "--transcript", log, draft], stdin=subprocess.DEVNULL)
            sigs.append(sig)
            corpus.add("fuzz_sigfile", read(sig))
        roster = os.path.join(tmp, "roster")
        run([tool, "roster", "combine", "--out", roster, draft] + sigs)
        corpus.add("fuzz_roster", read(roster))
        for name in ("T-CEPTOAR", "FIN-BANK"):
            key = os.path.join(tmp, name, "node.key")
            cert = os.path.join(tmp, name + ".revoke")
            run([tool, "revoke-cert", "--key", key, "--out", cert])
            corpus.add("fuzz_notice", read(cert))
            update = os.path.join(tmp, name + ".update")
            run([tool, "card-update", "--key", key, "--serial", "42",
                 "--endpoint", "tcp://127.0.0.1:7101",
                 "--endpoint", "ipc:///tmp/x", "--out", update])
            corpus.add("fuzz_notice", read(update))
        small = os.path.join(tmp, "roster-1")
        run([tool, "roster", "combine", "--out", small, draft] + sigs[:2])
        corpus.add("fuzz_roster", read(small))
        seeds_shares(corpus, tool, tmp, log)
        seeds_transcript(corpus, read(log))


def seeds_shares(corpus, tool, tmp, log):
    """Key backup shares: 2 of 3 and 3 of 5 of one key, 2 of 255 of
    another; each share alone, and sets (NUL-separated) that recover, that
    are too few, that repeat a share or mix two splits."""
    splits = {}
    for name, key, k, n in (("a", "T-CEPTOAR", 2, 3), ("b", "T-CEPTOAR", 3, 5),
                            ("c", "FIN-BANK", 2, 255)):
        out = os.path.join(tmp, "shares-" + name)
        keyfile = os.path.join(tmp, key, "node.key")
        # A record holds at most 64 outputs: 255 shares go unrecorded.
        record = ["--transcript", log] if n <= 64 else []
        run([tool, "split", "--key", keyfile, "--shares", str(n),
             "--threshold", str(k), "--out-dir", out] + record)
        splits[name] = [read(os.path.join(out, f))
                        for f in sorted(os.listdir(out))]
    a, b, c = splits["a"], splits["b"], splits["c"]
    recovered = os.path.join(tmp, "recovered.key")
    run([tool, "recover", "--out", recovered, "--no-passphrase",
         "--transcript", log]
        + [os.path.join(tmp, "shares-b", "share-%02d-of-05.txt" % i)
           for i in (5, 1, 3)])
    for share in a + b + [c[0], c[1], c[-1]]:
        corpus.add("fuzz_share", share)
    corpus.add("fuzz_share", a[0].rstrip(b"\n"))     # the final LF may lack
    for group in (a, a[1:], b, b[2:], b[:2], [b[4], b[0], b[2]],
                  [c[-1], c[0]], [a[0], a[0], a[1]], [a[0], b[1], b[2]],
                  [b[0], b[1], a[2]], [a[0].rstrip(b"\n"), a[2]]):
        corpus.add("fuzz_share", b"\0".join(group))


def seeds_transcript(corpus, text):
    """The ceremony transcript made above, each of its prefixes that ends
    after a record, and one at the limits (64 inputs and 64 outputs, the
    longest actor and labels; signatures are stand-ins: the harness signs
    again)."""
    corpus.add("fuzz_transcript", text)
    records = text.split(b"\n\nrecord: ")
    for i in range(1, len(records) - 1):
        corpus.add("fuzz_transcript", b"\n\nrecord: ".join(records[:i + 1])
                   + b"\n")
    actor = "\u5236" * 42 + "xy"                         # 128 bytes
    lines = ["record: 1", "previous: none", "time: 9999-12-31T23:59:59Z",
             "actor: " + actor, "action: " + "a" * 63 + "-"]
    for kind in ("input", "output"):
        for i in range(64):
            label = ("%s-%02d" % (kind, i)) if i else "L" * 255
            lines.append("%s: %s %s" % (kind, label,
                                        fake_key(kind, i).hex()))
    lines += ["signer: " + fake_key("signer", 0).hex(),
              "signature: " + (fake_key("sig", 0) + fake_key("sig", 1)).hex()]
    corpus.add("fuzz_transcript",
               "ceptoar-transcript: 1\n\n" + "\n".join(lines) + "\n")
    second = ["record: 2", "previous: " + fake_key("prev", 0).hex(),
              "time: 1970-01-01T00:00:00Z", "actor: x", "action: gen",
              "signer: " + fake_key("signer", 1).hex(),
              "signature: " + (fake_key("sig", 2) + fake_key("sig", 3)).hex()]
    corpus.add("fuzz_transcript",
               "ceptoar-transcript: 1\n\n" + "\n".join(lines) + "\n\n"
               + "\n".join(second) + "\n")


def zpl_save(items, depth=0):
    """ZPL text as zconfig_save writes it: every value in double quotes,
    sections with an empty value. items: [(name, value or list)]."""
    out = []
    for name, value in items:
        if isinstance(value, list):
            out.append("    " * depth + '%s = ""' % name)
            out += zpl_save(value, depth + 1)
        else:
            out.append("    " * depth + '%s = "%s"' % (name, value))
    return out


def seeds_config(corpus, operations_md):
    """ceptoard.cfg: as init writes it, the examples of operations.md, as
    zconfig saves it back, every value at its limits, and the forms an
    operator writes (unquoted, single quotes, comments)."""
    pk = fake_key("node", 0).hex()
    roster_hash = fake_key("roster", 0).hex()
    init = ("#   ceptoard configuration (ZPL). See docs/operations.md.\n\n"
            "node\n    name = \"T-CEPTOAR\"\n    sign-key = \"%s\"\n"
            "    key-file = \"node.key\"\n    roster-file = \"roster\"\n"
            "    roster-hash = \"%s\"\n    listen = \"tcp://127.0.0.1:7001\"\n"
            "log\n    level = \"info\"\nreplication\n"
            "    connect-roster = \"1\"\n    heads-interval-ms = \"10000\"\n"
            "    requests-per-sec = \"200\"\nstore\n"
            "    map-size = \"67108864\"\n    max-map-size = \"68719476736\"\n"
            % (pk, roster_hash))
    corpus.add("fuzz_config", init)
    corpus.add("fuzz_config", init.rstrip("\n"))
    # The fenced ZPL examples of operations.md, placeholders filled in.
    with open(operations_md, encoding="utf-8") as f:
        text = f.read()
    blocks = re.findall(r"```\n(.*?)```", text, re.S)
    for block in blocks:
        if block.startswith(("#   ceptoard", "node\n", "replication\n")):
            block = re.sub(r"<64 hex[^>]*>", pk, block)
            corpus.add("fuzz_config", block)
            if not block.startswith("#   ceptoard"):
                corpus.add("fuzz_config",
                           "node\n    name = A\n    sign-key = %s\n%s"
                           % (pk, block))
    # Saved by zconfig (a roster switch), every value at a limit, peers.
    peers = [("M%03d" % i, [("endpoint", "tcp://10.0.%d.%d:%d"
                              % (i // 256, i % 256, 1 + i))])
             for i in range(64)]
    for heads, rate, size, level in (("100", "1", "1048576", "error"),
                                     ("86400000", "1000000",
                                      "17592186044416", "debug")):
        items = [("node", [("name", "A" * 64), ("sign-key", pk),
                           ("key-file", "/var/lib/ceptoar/node.key"),
                           ("roster-file", "rosters/18446744073709551615"),
                           ("roster-hash", roster_hash),
                           ("listen", "ipc:///run/ceptoar/node.sock")]),
                 ("log", [("level", level)]),
                 ("replication", [("connect-roster", "0"),
                                  ("heads-interval-ms", heads),
                                  ("requests-per-sec", rate)]),
                 ("store", [("map-size", size), ("max-map-size", size)]),
                 ("peers", peers if level == "debug" else peers[:2])]
        corpus.add("fuzz_config", "\n".join(
            ["#   ceptoard configuration (ZPL). See docs/operations.md.", ""]
            + zpl_save(items)) + "\n")
    # What operators write, and names deep and many (other modules').
    corpus.add("fuzz_config",
               "node # this node\n    name = fin.sec_2   # from its card\n"
               "    sign-key = '%s'\n    listen =\n"
               "peers\n    banking\n        endpoint = tcp://[::1]:7002\n"
               "    # water is reached through its card\n"
               "other\n    a\n        b\n            c\n                d\n"
               "                    e\n                        f\n"
               "                            g = 'deepest \u65e2'\n"
               % pk)




def fake_key(tag, i):
    """A fixed 32-byte value standing in for a key (limits seeds only)."""
    return hashlib.sha256(("%s-%d" % (tag, i)).encode()).digest()


def seeds_limits(corpus):
    """Values at their documented limits (formats.md, protocol.md §10), so
    the fuzzer starts next to every limit check. Keys and signatures are
    stand-ins: the decoders check them for form only."""
    # Roster: 256 members (one with 8 endpoints and roles), 64 groups of
    # all of them, threshold 256.
    members = sorted("M%03d" % i for i in range(256))
    body = ["ceptoar-roster: 1", "version: 1", "previous: none",
            "threshold: 256"]
    for i, name in enumerate(members):
        body += ["member: " + name, "sector: " + SECTORS[i % len(SECTORS)],
                 "sign-key: " + fake_key("sign", i).hex(),
                 "box-key: " + fake_key("box", i).hex()]
        if i == 0:
            body += ["endpoint: tcp://10.0.0.%d:%d" % (e, 7000 + e)
                     for e in range(8)]
            body.append("roles: " + ",".join(sorted(
                "role" + chr(97 + k) for k in range(20))))
    groups = sorted("g%02d" % g for g in range(64))
    body += ["group: %s %s" % (g, " ".join(members)) for g in groups]
    corpus.add("fuzz_roster", "\n".join(body) + "\n")
    # Roster: 512 signature lines, sorted by key.
    small = ["ceptoar-roster: 1", "version: 1", "previous: none",
             "threshold: 1", "member: A", "sector: gas",
             "sign-key: " + fake_key("sign", 0).hex(),
             "box-key: " + fake_key("box", 0).hex()]
    sigs = sorted(fake_key("signer", i).hex() for i in range(512))
    small += ["signature: %s %s" % (k, (fake_key("sig", 0)
                                         + fake_key("sig", 1)).hex())
              for k in sigs]
    corpus.add("fuzz_roster", "\n".join(small) + "\n")

    # Payload: every count and length at its maximum.
    p = bytearray(b"\xce\xb1\x01\x0d\x04")
    p += bytes([21]) + bytes(range(1, 22))
    p += (256).to_bytes(2, "big") + "é".encode() * 128
    body_text = b"line\tone\r\n" * 100
    p += len(body_text).to_bytes(4, "big") + body_text
    p += bytes([32]) + b"".join(bytes([1 + r % 6]) + fake_key("ref", r)
                                for r in range(32))
    p += bytes([16])
    for a in range(16):
        p += fake_key("attach", a) + (2 ** 64 - 1 - a).to_bytes(8, "big")
        p += bytes([255]) + ("%02d" % a).encode() + b"x" * 253
    p += b"\x01" + bytes([128]) + "名".encode() * 42 + b"xx"
    corpus.add("fuzz_payload", bytes(p))
    corpus.add("fuzz_payload", bytes(p[:-130]) + b"\x02\x15")

    # Sealed: 65 slots, the smallest ciphertext.
    keys = sorted(fake_key("recipient", i) for i in range(65))
    sealed = b"\xce\xc1\x01\x01" + bytes([65])
    sealed += b"".join(k + fake_key("boxed", i)[:16] * 5
                       for i, k in enumerate(keys))
    sealed += fake_key("nonce", 0)[:24] + (17).to_bytes(4, "big")
    sealed += fake_key("ct", 0)[:17]
    corpus.add("fuzz_sealed", sealed)

    # Entry: a RED stub to 64 named nodes (the largest header) followed
    # by a sealed payload to them and the author (65 slots). The signature
    # is a stand-in: the harness re-signs with its test key.
    author, nodes = keys[0], keys[1:]
    header = b"\xce\xe1\x01\x01" + author
    header += (7).to_bytes(8, "big") + fake_key("prev", 0)
    header += (1735689600000).to_bytes(8, "big") + b"\x05\x03"
    header += b"\x03" + bytes([64]) + b"".join(nodes)
    header += len(sealed).to_bytes(4, "big")
    header += hashlib.blake2b(sealed, digest_size=32).digest()
    stub = header + fake_key("sig", 0) + fake_key("sig", 1)
    corpus.add("fuzz_entry", stub + sealed)
    corpus.add("fuzz_entry", stub)


def seeds_receipts(corpus):
    """Receipt (0), acknowledgement (1) and drill (2) bodies, as
    docs/protocol.md 15 gives them, prefixed by the selector octet."""
    ids = [hashlib.sha256(b"entry-%d" % i).hexdigest() for i in range(4)]
    receipt = "ceptoar-receipt: 1\n" + "".join(
        "stored: %s %d\n" % (ids[i], 1763892300000 + i) for i in range(3))
    corpus.add("fuzz_receipt", b"\x00" + receipt.encode())
    corpus.add("fuzz_receipt", b"\x00" + ("ceptoar-receipt: 1\nstored: %s 0\n"
                                           % ids[3]).encode())
    for ack in ("ceptoar-ack: 1\n", "ceptoar-ack: 1\nby: Sato (SOC)\n",
                "ceptoar-ack: 1\nby: Sato\nnote: read, forwarding\n",
                "ceptoar-ack: 1\nnote: \u65e2\u8aad\n"):
        corpus.add("fuzz_receipt", b"\x01" + ack.encode())
    for drill in ("ceptoar-drill: 1\ndeadline: 1763892300000\n",
                  "ceptoar-drill: 1\ndeadline: 5\n\nConfirm receipt.\n"
                  "\u8a13\u7df4\n"):
        corpus.add("fuzz_receipt", b"\x02" + drill.encode())


def seeds_status(corpus):
    """Incident and status bodies as `ceptoar incident open` and `ceptoar
    status post` write them, after fuzz_status's control byte: kind in
    bits 0-1 (incident, damage-status, response-status, other), references
    in (byte >> 2) % 5 (3: an update of the incident)."""
    incident, damage, response = 0x00, 0x0d, 0x0e
    bodies = [(incident, "ceptoar-incident: 1"),
              (incident, "ceptoar-incident: 1\n"),
              (incident, "ceptoar-incident: 1\n\nWide outage of the "
                         "settlement network.\n\u6c7a\u6e08\n"),
              (incident, "ceptoar-incident: 1\nopened-by: banking\n\n"),
              (incident, "ceptoar-incident: 12\n")]
    for state in ("normal", "degraded", "outage", "recovering", "recovered"):
        bodies.append((damage, "ceptoar-status: 1\nstate: %s\n" % state))
        bodies.append((response, "ceptoar-status: 1\nstate: %s\n\n"
                                 "Restored at 10:42.\n" % state))
    bodies += [(damage, "ceptoar-status: 1\nstate: Outage\n"),
               (damage, "ceptoar-status: 1\nnote: x\nstate: outage\n"
                        "state: normal\n\ntext"),
               (damage, "ceptoar-status: 1\n\nstate: outage\n"),
               (damage, "ceptoar-status: 1\nstate: outage"),
               (0x05, "ceptoar-status: 1\nstate: outage\n"),   # + another
               (0x09, "ceptoar-status: 1\nstate: outage\n"),   # related
               (0x11, "ceptoar-status: 1\nstate: outage\n")]   # another
    for control, body in bodies:
        corpus.add("fuzz_status", bytes([control]) + body.encode())


def write_dicts(out):
    """libFuzzer dictionaries: field names, magics, vocabulary."""
    def q(s):
        if isinstance(s, str):
            s = s.encode()
        return '"' + "".join(
            chr(b) if 0x20 <= b < 0x7f and b not in (0x22, 0x5c)
            else "\\x%02x" % b for b in s) + '"'

    text_common = ["\n", ": ", " ", "0", "1", "9", "65535", "65536",
                   "18446744073709551615", "18446744073709551616",
                   "tcp://", "ipc://", "[::1]", "127.0.0.1", ":7001", "\r",
                   "\x00", "\x1b", "\xc3\xa9", "\xff"] + list(SECTORS)
    dicts = {
        "fuzz_card": ["ceptoar-card: 1\n", "name: ", "sector: ",
                      "sign-key: ", "box-key: ", "endpoint: ",
                      "fingerprint: ", "#"],
        "fuzz_roster": ["ceptoar-roster: 1\n", "version: ", "previous: ",
                        "none", "threshold: ", "member: ", "sector: ",
                        "sign-key: ", "box-key: ", "endpoint: ", "roles: ",
                        "group: ", "signature: ", ","],
        "fuzz_sigfile": ["ceptoar-roster-signature: 1\n", "roster-version: ",
                         "roster-hash: ", "signer: ", "sign-key: ",
                         "signature: "],
        "fuzz_notice": ["ceptoar-revocation: 1\n", "ceptoar-card-update: 1\n",
                        "name: ", "sign-key: ", "box-key: ", "serial: ",
                        "endpoint: ", "signature: ", "tcp://", "ipc://"],
        "fuzz_keyfile": ["ceptoar-secret-key v1 ", "Q1BTSwE", "Q1BTSwEB",
                         "CPSK\x01\x00", "CPSK\x01\x01", "=", "=="],
        "fuzz_entry": ["\xce\xe1\x01\x01", "\xce\xb1\x01", "\xce\xc1\x01\x01",
                       "\x00\x00\x00\x00\x00\x00\x00\x01", "\x01",
                       "\x02\x09financial", "\x03\x01", "\x03\x02",
                       "\x00\x10\x20\x00", "\x00\x10\x20\x01"],
        "fuzz_payload": ["\xce\xb1\x01", "\x00\x00\x00\x00", "\x01\x00",
                         "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                         "/", "..", "\x00\x10\x00\x00", "\x00\x10\x00\x01"],
        "fuzz_receipt": ["\x00", "\x01", "\x02", "ceptoar-receipt: 1\n",
                         "ceptoar-ack: 1\n", "ceptoar-drill: 1\n", "stored: ",
                         "by: ", "note: ", "deadline: ", "\n", " ", "0",
                         "18446744073709551615", "18446744073709551616",
                         "0123456789abcdef0123456789abcdef"
                         "0123456789abcdef0123456789abcdef"],
        "fuzz_share": ["ceptoar-key-share: 1\n", "fingerprint: ",
                       "sign-key: ", "box-key: ", "split: ", "share: ",
                       " of ", "threshold: ", "data-1: ", "data-2: ",
                       "data-3: ", "data-4: ", "checksum: ", " ~", "\x00",
                       "\n", " ", "1", "2", "255", "256", "0000 "],
        "fuzz_transcript": ["ceptoar-transcript: 1\n", "\nrecord: ",
                            "previous: ", "none", "time: ", "actor: ",
                            "action: ", "input: ", "output: ", "signer: ",
                            "signature: ", "1970-01-01T00:00:00Z",
                            "9999-12-31T23:59:59Z", "2026-02-29T00:00:00Z",
                            "T23:59:60Z", "gen", "roster-sign", "key-split",
                            "\n", " ", "\x1b", "\xe2\x80\xae", "\xc2\x85",
                            "\x7f", "18446744073709551615",
                            "18446744073709551616"],
        "fuzz_config": ["node\n", "    name = ", "    sign-key = ",
                        "    key-file = ", "    roster-file = ",
                        "    roster-hash = ", "    listen = ", "log\n",
                        "    level = ", "replication\n",
                        "    connect-roster = ", "    heads-interval-ms = ",
                        "    requests-per-sec = ", "store\n",
                        "    map-size = ", "    max-map-size = ",
                        "peers\n", "        endpoint = ", "    ", " = ",
                        "\"", "'", "#", "\n", "\t", "\r", "\x00", "$", "/",
                        "0", "1", "99", "100", "86400000", "86400001",
                        "1000000", "1000001", "1048575", "1048576",
                        "17592186044416", "17592186044417",
                        "18446744073709551616", "error", "warning", "info",
                        "debug", "tcp://", "ipc://", "tcp://*:7001",
                        "127.0.0.1:7001", "\xc3\xa9"],
        "fuzz_status": ["ceptoar-incident: 1", "ceptoar-status: 1",
                        "\nstate: ", "state: ", "normal", "degraded",
                        "outage", "recovering", "recovered", "\n\n", "\n",
                        "\x00", "\x0d", "\x0e", "\x0c"],
        "fuzz_sealed": ["\xce\xc1\x01\x01", "\xce\xb1\x01", "\x01", "\x41",
                        "\x42", "\x00\x00\x00\x11", "\x00\x10\x00\x10",
                        "\x00\x10\x00\x11"],
    }
    for h in ("fuzz_card", "fuzz_roster", "fuzz_sigfile", "fuzz_keyfile",
              "fuzz_notice"):
        dicts[h] = dicts[h] + text_common
    for h, words in dicts.items():
        with open(os.path.join(out, h + ".dict"), "w") as f:
            for w in dict.fromkeys(words):
                data = w.encode("latin-1") if isinstance(w, str) else w
                f.write(q(data) + "\n")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True,
                        help="corpus root: one directory per harness")
    parser.add_argument("--keys-tool",
                        help="ceptoar-keys, to make valid keys and rosters")
    parser.add_argument("--source", default=os.path.dirname(
        os.path.dirname(here)), help="repository root")
    args = parser.parse_args()

    corpus = Corpus(args.out)
    seeds_from_vectors(corpus, os.path.join(args.source, "tests", "vectors"))
    seeds_from_docs(corpus, os.path.join(args.source, "docs", "formats.md"))
    seeds_limits(corpus)
    seeds_receipts(corpus)
    seeds_config(corpus, os.path.join(args.source, "docs", "operations.md"))
    seeds_status(corpus)
    # Keys are random, so the tool's seeds are made once per corpus.
    marker = os.path.join(args.out, ".tool-seeds")
    if args.keys_tool and not os.path.exists(marker):
        try:
            seeds_from_tool(corpus, args.keys_tool)
            open(marker, "w").close()
        except subprocess.CalledProcessError as e:
            sys.stderr.write("make_corpus: %s failed: %s\n"
                             % (" ".join(e.cmd[:3]),
                                e.stderr.decode(errors="replace").strip()))
            return 2
    write_dicts(args.out)
    for h in HARNESSES:
        total = len(os.listdir(os.path.join(args.out, h)))
        print("make_corpus: %-15s %3d seeds (%d new)"
              % (h, total, corpus.added[h]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
