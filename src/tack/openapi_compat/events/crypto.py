"""DingTalk's encrypted callback format (facts from DingTalk's published callback docs).

- EncodingAESKey: 43 characters; base64 of it plus "=" is the 32-byte AES-256 key; the IV is
  the key's first 16 bytes.
- Plain text: 16 random bytes, the message length as 4 bytes big-endian, the message (UTF-8),
  then the receiver's id (the corp id or, for an app, its app key).
- Padding: PKCS#7 to a multiple of 32 bytes (DingTalk pads to 32, not to AES's 16).
- Signature: SHA-1 hex of token, timestamp, nonce and the base64 ciphertext, sorted as strings
  and joined without separator.
"""

import base64
import binascii
import hashlib
import os
import secrets
import string
import struct

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

BLOCK = 32
_NONCE_ALPHABET = string.ascii_letters + string.digits


class CryptoError(ValueError):
    """A payload that does not decrypt, whose padding or suffix is wrong, or a bad key."""


def aes_key_bytes(encoding_aes_key: str) -> bytes:
    if len(encoding_aes_key) != 43:
        raise CryptoError("EncodingAESKey must be 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError):
        raise CryptoError("EncodingAESKey is not base64") from None
    if len(key) != 32:
        raise CryptoError("EncodingAESKey must decode to 32 bytes")
    return key


def new_aes_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()[:43]


def new_nonce() -> str:
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(8))


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypt])).encode()).hexdigest()


def _cipher(key: bytes) -> "Cipher[modes.CBC]":
    # cryptography (its Rust bindings and OpenSSL's tables: ~6 MB) is loaded by the first app
    # with encrypted callbacks, not by every server.
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def encrypt(encoding_aes_key: str, receiver_id: str, message: str) -> str:
    key = aes_key_bytes(encoding_aes_key)
    body = message.encode()
    plain = os.urandom(16) + struct.pack(">I", len(body)) + body + receiver_id.encode()
    pad = BLOCK - len(plain) % BLOCK
    plain += bytes([pad]) * pad
    encryptor = _cipher(key).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt(encoding_aes_key: str, receiver_id: str, encrypted: str) -> str:
    key = aes_key_bytes(encoding_aes_key)
    try:
        raw = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise CryptoError("not base64") from None
    if not raw or len(raw) % 16:
        raise CryptoError("not a whole number of AES blocks")
    decryptor = _cipher(key).decryptor()
    plain = decryptor.update(raw) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise CryptoError("bad padding")
    plain = plain[:-pad]
    if len(plain) < 20:
        raise CryptoError("too short")
    (length,) = struct.unpack(">I", plain[16:20])
    body, suffix = plain[20 : 20 + length], plain[20 + length :]
    if len(body) != length or suffix != receiver_id.encode():
        raise CryptoError("wrong receiver id")
    try:
        return body.decode()
    except UnicodeDecodeError:
        raise CryptoError("not UTF-8") from None
