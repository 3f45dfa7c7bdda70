"""The one check of Pulumi's passphrase secrets manager, done as the CLI does it: does a
passphrase open a stack's `encryptionsalt`?

The salt is `v1:<base64 salt>:v1:<base64 nonce>:<base64 ciphertext>`, the text "pulumi"
sealed with AES-256-GCM under PBKDF2-SHA256(passphrase, salt, 1,000,000 iterations, 32
bytes) (pulumi/pkg/secrets/passphrase/manager.go, symmetricCrypterFromPhraseAndState;
sdk/go/common/resource/config/crypt.go). PBKDF2 costs about 0.4 s, as it costs the CLI.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ITERATIONS = 1_000_000
SEALED = b"pulumi"


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
    if len(nonce) != 12 or len(sealed) < 16:  # Go's cipher.NewGCM: 12-byte nonce, 16-byte tag
        return None
    key = hashlib.pbkdf2_hmac("sha256", passphrase.encode(), salt_bytes, ITERATIONS, 32)
    try:
        return AESGCM(key).decrypt(nonce, sealed, None) == SEALED
    except InvalidTag:
        return False
