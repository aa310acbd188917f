package xfrm

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"hash"
	"sync"
)

// cipherKind selects the authenc cipher.
type cipherKind uint8

const (
	encNull cipherKind = iota
	encCBC
	encCTR // rfc3686(ctr(aes))
)

// authenc pairs an encryption algorithm with an integrity algorithm, as
// Linux's authenc()/authencesn() templates: encrypt-then-MAC over
// SPI | seq | IV | ciphertext, with the ESN high bits appended for the ICV
// only (RFC 4303 section 2.2.1).
type authenc struct {
	kind   cipherKind
	block  cipher.Block
	nonce  [4]byte // rfc3686 nonce
	ivLen  int
	bs     int
	icv    int
	macs   *sync.Pool // of hash.Hash; nil for digest_null
	ivSalt uint64
	// Cached CBC modes (the standard library's assembly paths); each use
	// resets the IV.
	cbcEnc, cbcDec sync.Pool
}

// ivSetter is implemented by the standard library's CBC modes.
type ivSetter interface{ SetIV([]byte) }

// Authenticator is a keyed integrity algorithm as AH uses it: a pool of
// resettable MAC instances and the truncated ICV length.
type Authenticator struct {
	pool *sync.Pool
	icv  int
}

// ICVLen is the truncated ICV length in bytes.
func (a *Authenticator) ICVLen() int { return a.icv }

// Get returns a reset MAC; Put it back after use.
func (a *Authenticator) Get() hash.Hash {
	h := a.pool.Get().(hash.Hash)
	h.Reset()
	return h
}

// Put returns a MAC to the pool.
func (a *Authenticator) Put(h hash.Hash) { a.pool.Put(h) }

func newMACPool(alg *AuthAlg, key []byte) (*sync.Pool, error) {
	if !keySizeOK(alg.KeyBytes, len(key)) {
		return nil, errCryptoInit
	}
	k := append([]byte(nil), key...)
	var mk func() hash.Hash
	switch alg.Name {
	case "digest_null":
		return nil, nil
	case "hmac(md5)":
		mk = func() hash.Hash { return hmac.New(md5.New, k) }
	case "hmac(sha1)":
		mk = func() hash.Hash { return hmac.New(sha1.New, k) }
	case "hmac(sha256)":
		mk = func() hash.Hash { return hmac.New(sha256.New, k) }
	case "hmac(sha384)":
		mk = func() hash.Hash { return hmac.New(sha512.New384, k) }
	case "hmac(sha512)":
		mk = func() hash.Hash { return hmac.New(sha512.New, k) }
	case "xcbc(aes)":
		if _, err := newXCBC(k); err != nil {
			return nil, errCryptoInit
		}
		mk = func() hash.Hash { h, _ := newXCBC(k); return h }
	case "cmac(aes)":
		if _, err := newCMAC(k); err != nil {
			return nil, errCryptoInit
		}
		mk = func() hash.Hash { h, _ := newCMAC(k); return h }
	default:
		return nil, errNotSupported("AUTH", alg.Name)
	}
	return &sync.Pool{New: func() any { return mk() }}, nil
}

// NewAuthenticator builds the cached MAC of an auth algorithm with an ICV
// of icvBits (for AH).
func NewAuthenticator(alg *AuthAlg, key []byte, icvBits int) (*Authenticator, error) {
	p, err := newMACPool(alg, key)
	if err != nil {
		return nil, err
	}
	if p == nil {
		p = &sync.Pool{New: func() any { return nullHash{} }}
	}
	return &Authenticator{pool: p, icv: icvBits / 8}, nil
}

func newAuthenc(enc *CipherAlg, ekey []byte, auth *AuthAlg, akey []byte, icvBits int) (*authenc, error) {
	a := &authenc{icv: icvBits / 8, ivLen: enc.IVBytes, bs: enc.BlockBits / 8}
	if !keySizeOK(enc.KeyBytes, len(ekey)) {
		return nil, errCryptoInit
	}
	var err error
	switch enc.Name {
	case "ecb(cipher_null)":
		a.kind, a.bs = encNull, 1
	case "cbc(aes)":
		a.kind = encCBC
		a.block, err = aes.NewCipher(ekey)
	case "cbc(des)":
		a.kind = encCBC
		a.block, err = des.NewCipher(ekey)
	case "cbc(des3_ede)":
		a.kind = encCBC
		a.block, err = des.NewTripleDESCipher(ekey)
	case "rfc3686(ctr(aes))":
		a.kind, a.bs = encCTR, 1
		copy(a.nonce[:], ekey[len(ekey)-4:])
		a.block, err = aes.NewCipher(ekey[:len(ekey)-4])
	default:
		return nil, errNotSupported("CRYPT", enc.Name)
	}
	if err != nil {
		return nil, errCryptoInit
	}
	if a.kind == encCBC {
		blk, zero := a.block, make([]byte, a.block.BlockSize())
		a.cbcEnc.New = func() any { return cipher.NewCBCEncrypter(blk, zero) }
		a.cbcDec.New = func() any { return cipher.NewCBCDecrypter(blk, zero) }
	}
	if auth != nil {
		if a.macs, err = newMACPool(auth, akey); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (a *authenc) IVLen() int     { return a.ivLen }
func (a *authenc) ICVLen() int    { return a.icv }
func (a *authenc) BlockSize() int { return a.bs }

// genIV fills iv: for CBC an unpredictable block E_K(salt ^ seq), in the
// spirit of Linux's echainiv; for CTR the seqiv value.
func (a *authenc) genIV(s *scratch, iv []byte, seq uint64) {
	switch a.kind {
	case encCTR:
		seqiv(iv, a.ivSalt, seq)
	case encCBC:
		clear(s.blk[:])
		binary.BigEndian.PutUint64(s.blk[len(iv)-8:], seq^a.ivSalt)
		a.block.Encrypt(iv, s.blk[:len(iv)])
	}
}

func (a *authenc) crypt(s *scratch, iv, p []byte, decrypt bool) {
	switch a.kind {
	case encCTR:
		copy(s.ctr[:4], a.nonce[:])
		copy(s.ctr[4:12], iv)
		binary.BigEndian.PutUint32(s.ctr[12:], 1)
		ctrXOR(a.block, s, p)
	case encCBC:
		p = p[:len(p)/len(iv)*len(iv)]
		pool := &a.cbcEnc
		if decrypt {
			pool = &a.cbcDec
		}
		m := pool.Get().(cipher.BlockMode)
		if set, ok := m.(ivSetter); ok {
			set.SetIV(iv)
			m.CryptBlocks(p, p)
		} else if decrypt {
			cbcDecrypt(a.block, s, iv, p, len(iv))
		} else {
			cbcEncrypt(a.block, iv, p)
		}
		pool.Put(m)
	}
}

func cbcEncrypt(b cipher.Block, iv, p []byte) {
	bs := len(iv)
	prev := iv
	for i := 0; i+bs <= len(p); i += bs {
		blk := p[i : i+bs]
		subtle.XORBytes(blk, blk, prev)
		b.Encrypt(blk, blk)
		prev = blk
	}
}

func cbcDecrypt(b cipher.Block, s *scratch, iv, p []byte, bs int) {
	copy(s.blk[:bs], iv)
	for i := 0; i+bs <= len(p); i += bs {
		blk := p[i : i+bs]
		copy(s.ks[:bs], blk)
		b.Decrypt(blk, blk)
		subtle.XORBytes(blk, blk, s.blk[:bs])
		copy(s.blk[:bs], s.ks[:bs])
	}
}

// sum computes the ICV into s.mac.
func (a *authenc) sum(s *scratch, b []byte, aadLen int) []byte {
	h := a.macs.Get().(hash.Hash)
	h.Reset()
	body := b[aadLen : len(b)-a.icv]
	if aadLen == 12 { // ESN: SPI | seqhi | seqlo
		h.Write(b[0:4])
		h.Write(b[8:12])
		h.Write(body)
		h.Write(b[4:8])
	} else {
		h.Write(b[:aadLen])
		h.Write(body)
	}
	out := h.Sum(s.mac[:0])
	a.macs.Put(h)
	return out[:a.icv]
}

func (a *authenc) Seal(b []byte, aadLen int, seq uint64) {
	_, iv, payload, icv, ok := splitAEAD(b, aadLen, a.ivLen, a.icv)
	if !ok {
		return
	}
	s := getScratch()
	a.genIV(s, iv, seq)
	a.crypt(s, iv, payload, false)
	if a.macs != nil {
		copy(icv, a.sum(s, b, aadLen))
	}
	putScratch(s)
}

func (a *authenc) Open(b []byte, aadLen int) bool {
	_, iv, payload, icv, ok := splitAEAD(b, aadLen, a.ivLen, a.icv)
	if !ok {
		return false
	}
	if a.kind == encCBC && len(payload)%a.bs != 0 {
		return false
	}
	s := getScratch()
	defer putScratch(s)
	if a.macs != nil && subtle.ConstantTimeCompare(a.sum(s, b, aadLen), icv) != 1 {
		return false
	}
	a.crypt(s, iv, payload, true)
	return true
}

// nullHash is digest_null.
type nullHash struct{}

func (nullHash) Write(p []byte) (int, error) { return len(p), nil }
func (nullHash) Sum(b []byte) []byte         { return b }
func (nullHash) Reset()                      {}
func (nullHash) Size() int                   { return 0 }
func (nullHash) BlockSize() int              { return 1 }
