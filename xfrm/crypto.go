package xfrm

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"sync"

	"golang.org/x/crypto/chacha20poly1305"
)

// AEAD is an SA's cached cipher, built once by NewState (never per packet)
// and safe for concurrent use. It works in place on one contiguous region
//
//	b = AAD | IV | payload | ICV
//
// where AAD is the ESP header (SPI, sequence number) or, with ESN, SPI,
// high and low sequence-number words (the layout Linux's esp4 builds by
// moving the header 4 bytes forward). Combined-mode ciphers (GCM, CCM,
// ChaCha20-Poly1305, GMAC) and the authenc pairing (a block cipher plus an
// HMAC/XCBC/CMAC) both implement it.
type AEAD interface {
	IVLen() int
	ICVLen() int
	// BlockSize is the cipher block size ESP pads to (before Linux's
	// round-up to 4).
	BlockSize() int
	// Seal writes the IV derived from seq, encrypts the payload and writes
	// the ICV.
	Seal(b []byte, aadLen int, seq uint64)
	// Open checks the ICV and decrypts the payload; it reports false (and
	// leaves the payload unspecified) when the ICV does not match.
	Open(b []byte, aadLen int) bool
}

// scratch is per-operation working memory, pooled so that the hot path
// does not allocate.
type scratch struct {
	nonce [16]byte
	blk   [16]byte
	ctr   [16]byte
	ks    [16]byte
	mac   [64]byte
	icv   [64]byte
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch  { return scratchPool.Get().(*scratch) }
func putScratch(s *scratch) { scratchPool.Put(s) }

// seqiv derives the explicit IV as Linux's seqiv does: the 64-bit sequence
// number XORed with a per-SA salt. Unique per SA as long as the sequence
// number does not repeat; with a zero salt it is the sequence number.
func seqiv(iv []byte, salt uint64, seq uint64) {
	binary.BigEndian.PutUint64(iv, seq^salt)
}

// splitAEAD returns the parts of b.
func splitAEAD(b []byte, aadLen, ivLen, icvLen int) (aad, iv, payload, icv []byte, ok bool) {
	if aadLen < 0 || len(b) < aadLen+ivLen+icvLen {
		return nil, nil, nil, nil, false
	}
	n := len(b)
	return b[:aadLen], b[aadLen : aadLen+ivLen], b[aadLen+ivLen : n-icvLen], b[n-icvLen:], true
}

// gcmAEAD is rfc4106(gcm(aes)).
type gcmAEAD struct {
	g      cipher.AEAD // tag size max(icv, 12)
	full   cipher.AEAD // 16-byte tag, for 8-byte ICVs
	block  cipher.Block
	salt   [4]byte
	icv    int
	ivSalt uint64
	gmac   bool // rfc4543: authenticate only
}

func newGCM(key, salt []byte, icv int) (AEAD, error) { return newGCMCommon(key, salt, icv, false) }

func newGMAC(key, salt []byte, icv int) (AEAD, error) { return newGCMCommon(key, salt, icv, true) }

func newGCMCommon(key, salt []byte, icv int, gmac bool) (AEAD, error) {
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, errCryptoInit
	}
	ts := icv
	if ts < 12 {
		ts = 16
	}
	g, err := cipher.NewGCMWithTagSize(blk, ts)
	if err != nil {
		return nil, errCryptoInit
	}
	a := &gcmAEAD{g: g, block: blk, icv: icv, gmac: gmac}
	if icv < 12 {
		a.full = g
	}
	copy(a.salt[:], salt)
	return a, nil
}

func (a *gcmAEAD) IVLen() int     { return 8 }
func (a *gcmAEAD) ICVLen() int    { return a.icv }
func (a *gcmAEAD) BlockSize() int { return 1 }

func (a *gcmAEAD) nonce(s *scratch, iv []byte) []byte {
	copy(s.nonce[:4], a.salt[:])
	copy(s.nonce[4:12], iv)
	return s.nonce[:12]
}

func (a *gcmAEAD) Seal(b []byte, aadLen int, seq uint64) {
	aad, iv, payload, icv, ok := splitAEAD(b, aadLen, 8, a.icv)
	if !ok {
		return
	}
	seqiv(iv, a.ivSalt, seq)
	s := getScratch()
	n := a.nonce(s, iv)
	switch {
	case a.gmac:
		a.g.Seal(icv[:0], n, nil, b[:len(b)-a.icv])
	case a.full != nil:
		// Truncated tag: the 16-byte tag spills 8 bytes into the tailroom
		// (ESP reserves it); copy back if Seal had to reallocate.
		out := a.g.Seal(payload[:0], n, payload, aad)
		if len(payload) == 0 || &out[0] != &payload[0] {
			copy(payload, out)
		}
		copy(icv, out[len(payload):len(payload)+len(icv)])
	default:
		a.g.Seal(payload[:0], n, payload, aad)
	}
	putScratch(s)
}

func (a *gcmAEAD) Open(b []byte, aadLen int) bool {
	aad, iv, payload, icv, ok := splitAEAD(b, aadLen, 8, a.icv)
	if !ok {
		return false
	}
	s := getScratch()
	defer putScratch(s)
	n := a.nonce(s, iv)
	switch {
	case a.gmac:
		_, err := a.g.Open(s.icv[:0], n, icv, b[:len(b)-a.icv])
		return err == nil
	case a.full != nil:
		return a.openTruncated(s, n, aad, payload, icv)
	default:
		_, err := a.g.Open(payload[:0], n, b[aadLen+8:], aad)
		return err == nil
	}
}

// openTruncated checks a 64-bit GCM ICV: decrypt with GCM's counter
// stream, re-seal to recompute the full tag, compare its prefix, then
// decrypt again. Three passes, only for the rare 64-bit ICV.
func (a *gcmAEAD) openTruncated(s *scratch, n, aad, payload, icv []byte) bool {
	var want [8]byte
	copy(want[:], icv)
	gcmCTR(a.block, s, n, payload)
	out := a.g.Seal(payload[:0], n, payload, aad)
	ok := subtle.ConstantTimeCompare(out[len(payload):len(payload)+8], want[:]) == 1
	copy(icv, want[:])
	if len(payload) > 0 && &out[0] == &payload[0] {
		gcmCTR(a.block, s, n, payload) // in place: back to plaintext
	}
	return ok
}

// gcmCTR applies GCM's counter stream (J0+1 onwards, 96-bit nonce).
func gcmCTR(b cipher.Block, s *scratch, nonce, p []byte) {
	copy(s.ctr[:12], nonce)
	binary.BigEndian.PutUint32(s.ctr[12:], 2)
	ctrXOR(b, s, p)
}

// ctrXOR XORs p with the keystream of b from counter block s.ctr
// (32-bit big-endian counter in the last 4 bytes).
func ctrXOR(b cipher.Block, s *scratch, p []byte) {
	for len(p) > 0 {
		b.Encrypt(s.ks[:], s.ctr[:])
		n := subtle.XORBytes(p, p, s.ks[:])
		p = p[n:]
		c := binary.BigEndian.Uint32(s.ctr[12:])
		binary.BigEndian.PutUint32(s.ctr[12:], c+1)
	}
}

// chachaAEAD is rfc7539esp(chacha20,poly1305) (RFC 7634).
type chachaAEAD struct {
	c      cipher.AEAD
	salt   [4]byte
	ivSalt uint64
}

func newChaCha(key, salt []byte, icv int) (AEAD, error) {
	c, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, errCryptoInit
	}
	a := &chachaAEAD{c: c}
	copy(a.salt[:], salt)
	return a, nil
}

func (a *chachaAEAD) IVLen() int     { return 8 }
func (a *chachaAEAD) ICVLen() int    { return 16 }
func (a *chachaAEAD) BlockSize() int { return 1 }

func (a *chachaAEAD) Seal(b []byte, aadLen int, seq uint64) {
	aad, iv, payload, _, ok := splitAEAD(b, aadLen, 8, 16)
	if !ok {
		return
	}
	seqiv(iv, a.ivSalt, seq)
	s := getScratch()
	copy(s.nonce[:4], a.salt[:])
	copy(s.nonce[4:12], iv)
	a.c.Seal(payload[:0], s.nonce[:12], payload, aad)
	putScratch(s)
}

func (a *chachaAEAD) Open(b []byte, aadLen int) bool {
	aad, iv, payload, _, ok := splitAEAD(b, aadLen, 8, 16)
	if !ok {
		return false
	}
	s := getScratch()
	copy(s.nonce[:4], a.salt[:])
	copy(s.nonce[4:12], iv)
	_, err := a.c.Open(payload[:0], s.nonce[:12], b[aadLen+8:], aad)
	putScratch(s)
	return err == nil
}

// SetIVSalt sets the per-SA salt mixed into generated IVs (seqiv's salt).
// NewState draws it at random, as Linux does; tests set it (zero makes the
// IV the sequence number) to compare with recorded packets.
func setIVSalt(a AEAD, salt uint64) {
	switch c := a.(type) {
	case *gcmAEAD:
		c.ivSalt = salt
	case *chachaAEAD:
		c.ivSalt = salt
	case *ccmAEAD:
		c.ivSalt = salt
	case *authenc:
		c.ivSalt = salt
	}
}
