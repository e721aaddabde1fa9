package hotline

// Canonical exposes the signed encoding to the black-box tests, which forge
// correctly signed but otherwise bad envelopes with it.
func (e *Envelope) Canonical() []byte { return e.canonical() }

// Canonical exposes the signed encoding of a receipt.
func (r *Receipt) Canonical() []byte { return r.canonical() }

// SealKey exposes the HPKE key sealing, for forging misaddressed envelopes.
var SealKey = sealKey

// KeyInfo exposes the HPKE info of a sealed content key.
var KeyInfo = keyInfo
