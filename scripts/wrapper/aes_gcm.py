"""The one check of Pulumi's passphrase secrets manager, redone with the standard library:
does a passphrase open a stack's `encryptionsalt`?

The salt is `v1:<base64 salt>:v1:<base64 nonce>:<base64 ciphertext>`, the text "pulumi"
sealed with AES-256-GCM under PBKDF2-SHA256(passphrase, salt, 1,000,000 iterations, 32
bytes) (pulumi/pkg/secrets/passphrase/manager.go, symmetricCrypterFromPhraseAndState;
sdk/go/common/resource/config/crypt.go). Nothing installed here has AES, and a few
blocks of it in Python cost nothing next to PBKDF2 (~0.4 s, as the CLI spends itself).
"""

from __future__ import annotations

import base64
import binascii
import hashlib

ITERATIONS = 1_000_000
SEALED = b"pulumi"


def _xtime(a: int) -> int:
    return ((a << 1) ^ (0x1B if a & 0x80 else 0)) & 0xFF


def _sbox() -> list[int]:
    """AES's S-box: the inverse in GF(2^8), then the affine map (FIPS-197 5.1.1)."""
    box, p, q = [0x63] * 256, 1, 1
    while True:
        p = p ^ _xtime(p)  # p * 3
        q ^= q << 1
        q ^= q << 2
        q ^= q << 4
        q &= 0xFF
        q ^= 0x09 if q & 0x80 else 0  # q / 3
        rot = [((q << n) | (q >> (8 - n))) & 0xFF for n in range(5)]
        box[p] = rot[0] ^ rot[1] ^ rot[2] ^ rot[3] ^ rot[4] ^ 0x63
        if p == 1:
            return box


SBOX = _sbox()


def _round_keys(key: bytes) -> list[list[int]]:
    """AES-256's 15 round keys (FIPS-197 5.2, Nk = 8)."""
    words, rcon = [list(key[i : i + 4]) for i in range(0, 32, 4)], 1
    for i in range(8, 60):
        t = list(words[i - 1])
        if i % 8 == 0:
            t = [SBOX[b] for b in t[1:] + t[:1]]
            t[0] ^= rcon
            rcon = _xtime(rcon)
        elif i % 8 == 4:
            t = [SBOX[b] for b in t]
        words.append([a ^ b for a, b in zip(words[i - 8], t, strict=True)])
    return [[b for word in words[r : r + 4] for b in word] for r in range(0, 60, 4)]


def encrypt_block(key: bytes, block: bytes) -> bytes:
    """AES-256 of one 16-byte block."""
    keys = _round_keys(key)
    s = [a ^ b for a, b in zip(block, keys[0], strict=True)]
    for rnd in range(1, 15):
        s = [SBOX[s[(r + 4 * (c + r)) % 16]] for c in range(4) for r in range(4)]  # SubBytes, ShiftRows
        if rnd < 14:
            mixed = []
            for c in range(0, 16, 4):
                a = s[c : c + 4]
                x = a[0] ^ a[1] ^ a[2] ^ a[3]
                mixed += [a[r] ^ x ^ _xtime(a[r] ^ a[(r + 1) % 4]) for r in range(4)]
            s = mixed
        s = [a ^ b for a, b in zip(s, keys[rnd], strict=True)]
    return bytes(s)


def _gmul(x: int, y: int) -> int:
    """x * y in GCM's GF(2^128) (NIST SP 800-38D, 6.3)."""
    z, v = 0, y
    for i in range(127, -1, -1):
        z ^= v if (x >> i) & 1 else 0
        v = (v >> 1) ^ (0xE1 << 120) if v & 1 else v >> 1
    return z


def gcm_open(key: bytes, nonce: bytes, sealed: bytes) -> bytes | None:
    """The plaintext of AES-256-GCM `sealed` (ciphertext and 16-byte tag, no additional
    data, 12-byte nonce, as Go's cipher.NewGCM), or None when the tag does not match."""
    text, tag = sealed[:-16], sealed[-16:]
    h = int.from_bytes(encrypt_block(key, bytes(16)), "big")
    y = 0
    blocks = [text[i : i + 16].ljust(16, b"\0") for i in range(0, len(text), 16)]
    for block in [*blocks, (len(text) * 8).to_bytes(16, "big")]:
        y = _gmul(y ^ int.from_bytes(block, "big"), h)
    expected = (y ^ int.from_bytes(encrypt_block(key, nonce + b"\0\0\0\1"), "big")).to_bytes(16, "big")
    if len(sealed) < 16 or expected != tag:
        return None
    plain = b""
    for n, i in enumerate(range(0, len(text), 16), start=2):
        stream = encrypt_block(key, nonce + n.to_bytes(4, "big"))
        plain += bytes(a ^ b for a, b in zip(text[i : i + 16], stream, strict=False))
    return plain


def opens(passphrase: str, salt: str) -> bool | None:
    """Whether `passphrase` opens the `encryptionsalt` value `salt` as Pulumi checks it;
    None when `salt` is not a v1 salt (Pulumi says what is wrong with it)."""
    parts = salt.split(":")
    if len(parts) != 5 or parts[0] != "v1" or parts[2] != "v1":
        return None
    try:
        salt_bytes, nonce, sealed = (base64.b64decode(p, validate=True) for p in (parts[1], parts[3], parts[4]))
    except (binascii.Error, ValueError):
        return None
    if len(nonce) != 12 or len(sealed) < 16:
        return None
    key = hashlib.pbkdf2_hmac("sha256", passphrase.encode(), salt_bytes, ITERATIONS, 32)
    return gcm_open(key, nonce, sealed) == SEALED
