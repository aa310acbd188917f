package xfrm

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
)

// ccmAEAD is rfc4309(ccm(aes)): AES-CCM (RFC 3610) with an 11-byte nonce
// (3-byte salt from the key, 8-byte explicit IV), so a 4-byte length field.
type ccmAEAD struct {
	block  cipher.Block
	salt   [3]byte
	icv    int
	ivSalt uint64
}

func newCCM(key, salt []byte, icv int) (AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, errCryptoInit
	}
	a := &ccmAEAD{block: b, icv: icv}
	copy(a.salt[:], salt)
	return a, nil
}

func (a *ccmAEAD) IVLen() int     { return 8 }
func (a *ccmAEAD) ICVLen() int    { return a.icv }
func (a *ccmAEAD) BlockSize() int { return 1 }

// counter sets s.ctr to A_i = flags(L-1=3) | nonce | i.
func (a *ccmAEAD) counter(s *scratch, iv []byte, i uint32) {
	s.ctr[0] = 3
	copy(s.ctr[1:4], a.salt[:])
	copy(s.ctr[4:12], iv)
	binary.BigEndian.PutUint32(s.ctr[12:], i)
}

// mac computes the CBC-MAC T into s.mac[:16].
func (a *ccmAEAD) mac(s *scratch, iv, aad, payload []byte) {
	x := s.mac[:16]
	// B0
	x[0] = 0x40 | byte((a.icv-2)/2)<<3 | 3
	copy(x[1:4], a.salt[:])
	copy(x[4:12], iv)
	binary.BigEndian.PutUint32(x[12:], uint32(len(payload)))
	a.block.Encrypt(x, x)
	// AAD with a 2-byte length prefix, zero-padded to 16.
	var blk [16]byte
	binary.BigEndian.PutUint16(blk[:2], uint16(len(aad)))
	n := copy(blk[2:], aad)
	subtle.XORBytes(x, x, blk[:])
	a.block.Encrypt(x, x)
	for rest := aad[n:]; len(rest) > 0; {
		clear(blk[:])
		m := copy(blk[:], rest)
		rest = rest[m:]
		subtle.XORBytes(x, x, blk[:])
		a.block.Encrypt(x, x)
	}
	for p := payload; len(p) > 0; {
		m := subtle.XORBytes(x, x, p)
		p = p[m:]
		a.block.Encrypt(x, x)
	}
}

func (a *ccmAEAD) Seal(b []byte, aadLen int, seq uint64) {
	aad, iv, payload, icv, ok := splitAEAD(b, aadLen, 8, a.icv)
	if !ok {
		return
	}
	seqiv(iv, a.ivSalt, seq)
	s := getScratch()
	a.mac(s, iv, aad, payload)
	a.counter(s, iv, 0)
	a.block.Encrypt(s.ks[:], s.ctr[:])
	subtle.XORBytes(icv, s.mac[:a.icv], s.ks[:a.icv])
	a.counter(s, iv, 1)
	ctrXOR(a.block, s, payload)
	putScratch(s)
}

func (a *ccmAEAD) Open(b []byte, aadLen int) bool {
	aad, iv, payload, icv, ok := splitAEAD(b, aadLen, 8, a.icv)
	if !ok {
		return false
	}
	s := getScratch()
	defer putScratch(s)
	a.counter(s, iv, 1)
	ctrXOR(a.block, s, payload)
	a.mac(s, iv, aad, payload)
	a.counter(s, iv, 0)
	a.block.Encrypt(s.ks[:], s.ctr[:])
	subtle.XORBytes(s.icv[:a.icv], s.mac[:a.icv], s.ks[:a.icv])
	return subtle.ConstantTimeCompare(s.icv[:a.icv], icv) == 1
}
