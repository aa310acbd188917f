package xfrm

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
)

// cbcMAC is the streaming core of AES-XCBC-MAC-96 (RFC 3566) and AES-CMAC
// (RFC 4493): a CBC-MAC that keeps the last block back so that it can be
// finished with the subkey for complete or padded blocks.
type cbcMAC struct {
	enc          cipher.Block
	kFull, kPart [16]byte
	x            [16]byte
	buf          [16]byte
	last, out    [16]byte
	n            int // bytes in buf
}

func newXCBC(key []byte) (*cbcMAC, error) {
	if len(key) != 16 {
		return nil, errCryptoInit
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	var k1, c [16]byte
	m := &cbcMAC{}
	for i := range c {
		c[i] = 1
	}
	b.Encrypt(k1[:], c[:])
	for i := range c {
		c[i] = 2
	}
	b.Encrypt(m.kFull[:], c[:])
	for i := range c {
		c[i] = 3
	}
	b.Encrypt(m.kPart[:], c[:])
	if m.enc, err = aes.NewCipher(k1[:]); err != nil {
		return nil, err
	}
	return m, nil
}

func dbl(d, s *[16]byte) {
	carry := s[0] >> 7
	for i := 0; i < 15; i++ {
		d[i] = s[i]<<1 | s[i+1]>>7
	}
	d[15] = s[15]<<1 ^ carry*0x87
}

func newCMAC(key []byte) (*cbcMAC, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	m := &cbcMAC{enc: b}
	var l [16]byte
	b.Encrypt(l[:], l[:])
	dbl(&m.kFull, &l)
	dbl(&m.kPart, &m.kFull)
	return m, nil
}

func (m *cbcMAC) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		if m.n == 16 {
			subtle.XORBytes(m.x[:], m.x[:], m.buf[:])
			m.enc.Encrypt(m.x[:], m.x[:])
			m.n = 0
		}
		c := copy(m.buf[m.n:], p)
		m.n += c
		p = p[c:]
	}
	return total, nil
}

func (m *cbcMAC) Sum(b []byte) []byte {
	last := &m.last
	*last = [16]byte{}
	copy(last[:], m.buf[:m.n])
	if m.n == 16 {
		subtle.XORBytes(last[:], last[:], m.kFull[:])
	} else {
		last[m.n] = 0x80
		subtle.XORBytes(last[:], last[:], m.kPart[:])
	}
	subtle.XORBytes(m.out[:], m.x[:], last[:])
	m.enc.Encrypt(m.out[:], m.out[:])
	return append(b, m.out[:]...)
}

func (m *cbcMAC) Reset() {
	m.x = [16]byte{}
	m.n = 0
}

func (m *cbcMAC) Size() int      { return 16 }
func (m *cbcMAC) BlockSize() int { return 16 }
