package hotline

// This file holds every private key of the package. Nothing else touches
// private key material: Seal, Open and receipts go through Identity.

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hpke"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
)

// The ciphersuite of envelope version 1 (RFC 9180 §7): KEM DHKEM(X25519,
// HKDF-SHA256) (0x0020), KDF HKDF-SHA256 (0x0001), AEAD AES-256-GCM (0x0002),
// base mode, single-shot. Content is AES-256-GCM too. A post-quantum hybrid
// KEM (hpke.MLKEM768X25519) would be a new envelope version.
var (
	suiteKEM  = hpke.DHKEM(ecdh.X25519())
	suiteKDF  = hpke.HKDFSHA256()
	suiteAEAD = hpke.AES256GCM()
)

const (
	kemPublicKeySize = 32 // X25519 public key (RFC 9180 §7.1: Npk)
	kemEncSize       = 32 // encapsulated key (Nenc)
	contentKeySize   = 32 // AES-256
	aeadTagSize      = 16 // GCM tag (Nt)
	sealedKeySize    = kemEncSize + contentKeySize + aeadTagSize
	seedSize         = 32 // device key seed
)

// Identity is the private side of one device: the only holder of its private
// keys (after upspin's Factotum). Implementations may keep keys in memory
// (DeviceKeys), a hardware token or another process.
//
// An Identity must be safe for concurrent use.
type Identity interface {
	// Device returns the device's id; the Directory says whose device it is.
	Device() DeviceID
	// Sign returns the Ed25519 signature (RFC 8032) of msg by the device's
	// signing key.
	Sign(msg []byte) ([]byte, error)
	// Unseal opens sealed, the output of an RFC 9180 single-shot base-mode
	// Seal (encapsulated key ‖ ciphertext) to the device's KEM key under the
	// version-1 suite, with info as the HPKE info. It returns the plaintext.
	Unseal(info, sealed []byte) ([]byte, error)
}

// DeviceKeys is an in-memory Identity. Its private keys are derived from a
// 32-byte seed, which MarshalBinary exposes: store that as a secret.
type DeviceKeys struct {
	id   DeviceID
	seed [seedSize]byte
	sign ed25519.PrivateKey
	kem  hpke.PrivateKey
}

var _ Identity = (*DeviceKeys)(nil)

// GenerateDeviceKeys returns new keys for device id from a random seed.
func GenerateDeviceKeys(id DeviceID) (*DeviceKeys, error) {
	seed := make([]byte, seedSize)
	rand.Read(seed) // never fails (crypto/rand, Go ≥ 1.24)
	return DeriveDeviceKeys(id, seed)
}

// DeriveDeviceKeys returns the keys of device id derived from a 32-byte seed:
// the Ed25519 seed and the HPKE DeriveKeyPair input are
// HKDF-SHA256(seed, info="trilink hotline device sign v1" or "… kem v1").
// The same seed always gives the same keys (useful for tests).
func DeriveDeviceKeys(id DeviceID, seed []byte) (*DeviceKeys, error) {
	if err := id.Valid(); err != nil {
		return nil, err
	}
	if len(seed) != seedSize {
		return nil, fmt.Errorf("%w: device key seed: want %d bytes, got %d", ErrMalformed, seedSize, len(seed))
	}
	// SECURITY REVIEW: key derivation. The two keys come from one seed with
	// distinct HKDF info labels, so neither reveals the other.
	signSeed, err := hkdf.Key(sha256.New, seed, nil, "trilink hotline device sign v1", ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("derive signing key: %w", err)
	}
	ikm, err := hkdf.Key(sha256.New, seed, nil, "trilink hotline device kem v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive kem key: %w", err)
	}
	kem, err := suiteKEM.DeriveKeyPair(ikm)
	if err != nil {
		return nil, fmt.Errorf("derive kem key: %w", err)
	}
	k := &DeviceKeys{id: id, sign: ed25519.NewKeyFromSeed(signSeed), kem: kem}
	copy(k.seed[:], seed)
	return k, nil
}

// Device implements Identity.
func (k *DeviceKeys) Device() DeviceID { return k.id }

// Public returns the device's public keys, for the Directory.
func (k *DeviceKeys) Public() Device {
	return Device{ID: k.id, KEM: k.kem.PublicKey().Bytes(), Sign: k.sign.Public().(ed25519.PublicKey)}
}

// Sign implements Identity.
func (k *DeviceKeys) Sign(msg []byte) ([]byte, error) {
	// SECURITY REVIEW: signing. Callers pass domain-separated canonical
	// encodings only (see canon.go), never attacker-chosen raw bytes.
	return ed25519.Sign(k.sign, msg), nil
}

// Unseal implements Identity.
func (k *DeviceKeys) Unseal(info, sealed []byte) ([]byte, error) {
	// SECURITY REVIEW: HPKE decapsulation and AEAD open (RFC 9180 §6.1). The
	// info binds the sealed key to one message and one device.
	return hpke.Open(k.kem, suiteKDF, suiteAEAD, info, sealed)
}

const keysMagic = "trilink-device-keys-v1\n"

// MarshalBinary returns the secret encoding of the keys: a version line, the
// device id and the seed. Whoever holds it can act as the device.
func (k *DeviceKeys) MarshalBinary() ([]byte, error) {
	// SECURITY REVIEW: exports private key material.
	b := make([]byte, 0, len(keysMagic)+1+len(k.id)+seedSize)
	b = append(b, keysMagic...)
	b = append(b, byte(len(k.id)))
	b = append(b, k.id...)
	return append(b, k.seed[:]...), nil
}

// UnmarshalDeviceKeys decodes the output of MarshalBinary.
func UnmarshalDeviceKeys(b []byte) (*DeviceKeys, error) {
	rest, ok := bytes.CutPrefix(b, []byte(keysMagic))
	if !ok || len(rest) < 1 || len(rest) != 1+int(rest[0])+seedSize {
		return nil, fmt.Errorf("%w: device keys encoding", ErrMalformed)
	}
	n := int(rest[0])
	return DeriveDeviceKeys(DeviceID(rest[1:1+n]), rest[1+n:])
}

// sealKey seals a content key to one device (RFC 9180 single-shot base mode).
func sealKey(kemKey, info, key []byte) ([]byte, error) {
	pk, err := suiteKEM.NewPublicKey(kemKey)
	if err != nil {
		return nil, err
	}
	// SECURITY REVIEW: HPKE encapsulation with fresh randomness per call.
	return hpke.Seal(pk, suiteKDF, suiteAEAD, info, key)
}
