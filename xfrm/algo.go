package xfrm

import (
	"syscall"

	"github.com/softnet/softnet/extack"
)

// The algorithm registry mirrors net/xfrm/xfrm_algo.c: Linux's names (and
// their compat aliases), default ICV truncations, key sizes and block
// sizes. Entries Linux has but softnet does not implement are listed with
// Supported false, so that asking for them gives a clear "not supported"
// error rather than "not found" or a silent fallback.

// AEADAlg describes an `aead` algorithm.
type AEADAlg struct {
	Name      string
	ICVBits   []int // accepted ICV lengths (Linux has one entry per length)
	KeyBytes  []int // cipher key sizes, without the salt
	SaltBytes int   // salt/nonce bytes at the end of the key
	IVBytes   int   // explicit IV in each packet
	BlockSize int   // crypto_aead_blocksize
	GenIV     string
	Supported bool
	newAEAD   func(key, salt []byte, icvLen int) (AEAD, error)
}

// CipherAlg describes an `enc` algorithm.
type CipherAlg struct {
	Name       string
	Compat     string
	BlockBits  int // uinfo.encr.blockbits
	DefKeyBits int
	KeyBytes   []int // accepted key sizes (nil: any)
	IVBytes    int
	GenIV      string
	Supported  bool
}

// AuthAlg describes an `auth`/`auth-trunc` algorithm.
type AuthAlg struct {
	Name      string
	Compat    string
	TruncBits int // icv_truncbits: the ICV of legacy `auth`
	FullBits  int // icv_fullbits: the largest `auth-trunc` length
	KeyBytes  []int
	Supported bool
}

// CompAlg describes a `comp` algorithm.
type CompAlg struct {
	Name      string
	Threshold int // packets shorter than this are not compressed
	SADBID    int // CPI-family algorithm number (SADB_X_CALG_*)
	Supported bool
}

var aeadAlgs = []*AEADAlg{
	{Name: "rfc4106(gcm(aes))", ICVBits: []int{64, 96, 128}, KeyBytes: []int{16, 24, 32}, SaltBytes: 4, IVBytes: 8, BlockSize: 1, GenIV: "seqiv", Supported: true, newAEAD: newGCM},
	{Name: "rfc4309(ccm(aes))", ICVBits: []int{64, 96, 128}, KeyBytes: []int{16, 24, 32}, SaltBytes: 3, IVBytes: 8, BlockSize: 1, GenIV: "seqiv", Supported: true, newAEAD: newCCM},
	{Name: "rfc4543(gcm(aes))", ICVBits: []int{128}, KeyBytes: []int{16, 24, 32}, SaltBytes: 4, IVBytes: 8, BlockSize: 1, GenIV: "seqiv", Supported: true, newAEAD: newGMAC},
	{Name: "rfc7539esp(chacha20,poly1305)", ICVBits: []int{128}, KeyBytes: []int{32}, SaltBytes: 4, IVBytes: 8, BlockSize: 1, GenIV: "seqiv", Supported: true, newAEAD: newChaCha},
}

var cipherAlgs = []*CipherAlg{
	{Name: "ecb(cipher_null)", Compat: "cipher_null", BlockBits: 8, IVBytes: 0, GenIV: "echainiv", Supported: true},
	{Name: "cbc(des)", Compat: "des", BlockBits: 64, DefKeyBits: 64, KeyBytes: []int{8}, IVBytes: 8, GenIV: "echainiv", Supported: true},
	{Name: "cbc(des3_ede)", Compat: "des3_ede", BlockBits: 64, DefKeyBits: 192, KeyBytes: []int{24}, IVBytes: 8, GenIV: "echainiv", Supported: true},
	{Name: "cbc(cast5)", Compat: "cast5", BlockBits: 64, DefKeyBits: 128, IVBytes: 8, GenIV: "echainiv"},
	{Name: "cbc(blowfish)", Compat: "blowfish", BlockBits: 64, DefKeyBits: 128, IVBytes: 8, GenIV: "echainiv"},
	{Name: "cbc(aes)", Compat: "aes", BlockBits: 128, DefKeyBits: 128, KeyBytes: []int{16, 24, 32}, IVBytes: 16, GenIV: "echainiv", Supported: true},
	{Name: "cbc(serpent)", Compat: "serpent", BlockBits: 128, DefKeyBits: 128, IVBytes: 16, GenIV: "echainiv"},
	{Name: "cbc(camellia)", Compat: "camellia", BlockBits: 128, DefKeyBits: 128, IVBytes: 16, GenIV: "echainiv"},
	{Name: "cbc(twofish)", Compat: "twofish", BlockBits: 128, DefKeyBits: 128, IVBytes: 16, GenIV: "echainiv"},
	{Name: "rfc3686(ctr(aes))", BlockBits: 128, DefKeyBits: 160, KeyBytes: []int{20, 28, 36}, IVBytes: 8, GenIV: "seqiv", Supported: true},
	{Name: "cbc(sm4)", BlockBits: 128, DefKeyBits: 128, IVBytes: 16, GenIV: "echainiv"},
}

var authAlgs = []*AuthAlg{
	{Name: "digest_null", Supported: true},
	{Name: "hmac(md5)", Compat: "md5", TruncBits: 96, FullBits: 128, Supported: true},
	{Name: "hmac(sha1)", Compat: "sha1", TruncBits: 96, FullBits: 160, Supported: true},
	{Name: "hmac(sha256)", Compat: "sha256", TruncBits: 96, FullBits: 256, Supported: true},
	{Name: "hmac(sha384)", TruncBits: 192, FullBits: 384, Supported: true},
	{Name: "hmac(sha512)", TruncBits: 256, FullBits: 512, Supported: true},
	{Name: "hmac(rmd160)", Compat: "rmd160", TruncBits: 96, FullBits: 160},
	{Name: "xcbc(aes)", TruncBits: 96, FullBits: 128, KeyBytes: []int{16}, Supported: true},
	{Name: "cmac(aes)", TruncBits: 96, FullBits: 128, KeyBytes: []int{16, 24, 32}, Supported: true},
	{Name: "hmac(sm3)", TruncBits: 256, FullBits: 256},
}

var compAlgs = []*CompAlg{
	{Name: "deflate", Threshold: 90, SADBID: 2, Supported: true},
	{Name: "lzs", Threshold: 90, SADBID: 3},
	{Name: "lzjh", Threshold: 50, SADBID: 4},
}

func errNotSupported(kind, name string) error {
	return extack.Errorf(syscall.ENOSYS, "Requested %s algorithm %s is not supported by softnet", kind, name)
}

// LookupAEAD finds an aead algorithm by Linux name and ICV length
// (xfrm_aead_get_byname), as attach_aead does: ENOSYS "Requested AEAD
// algorithm not found" when the name or the ICV length is unknown.
func LookupAEAD(name string, icvBits int) (*AEADAlg, error) {
	for _, a := range aeadAlgs {
		if a.Name != name {
			continue
		}
		for _, b := range a.ICVBits {
			if b == icvBits {
				if !a.Supported {
					return nil, errNotSupported("AEAD", name)
				}
				return a, nil
			}
		}
	}
	return nil, extack.New(syscall.ENOSYS, "Requested AEAD algorithm not found")
}

// LookupCipher finds an enc algorithm by name or compat alias
// (xfrm_ealg_get_byname; attach_crypt's error when absent).
func LookupCipher(name string) (*CipherAlg, error) {
	for _, a := range cipherAlgs {
		if a.Name == name || (a.Compat != "" && a.Compat == name) {
			if !a.Supported {
				return nil, errNotSupported("CRYPT", name)
			}
			return a, nil
		}
	}
	return nil, extack.New(syscall.ENOSYS, "Requested CRYPT algorithm not found")
}

// LookupAuth finds an auth algorithm and returns it with the ICV length in
// bits the SA will use. trunc selects auth-trunc semantics (attach_auth_trunc:
// truncBits must not exceed the full digest, EINVAL "Invalid length
// requested for truncated ICV"); otherwise the legacy `auth` attribute gets
// the algorithm's default truncation (attach_auth), e.g. 96 bits for
// hmac(sha256).
func LookupAuth(name string, trunc bool, truncBits int) (*AuthAlg, int, error) {
	kind := "AUTH"
	if trunc {
		kind = "AUTH_TRUNC"
	}
	for _, a := range authAlgs {
		if a.Name != name && (a.Compat == "" || a.Compat != name) {
			continue
		}
		if !a.Supported {
			return nil, 0, errNotSupported(kind, name)
		}
		if !trunc {
			return a, a.TruncBits, nil
		}
		if truncBits < 0 || truncBits > a.FullBits {
			return nil, 0, extack.New(syscall.EINVAL, "Invalid length requested for truncated ICV")
		}
		return a, truncBits, nil
	}
	return nil, 0, extack.New(syscall.ENOSYS, "Requested "+kind+" algorithm not found")
}

// LookupComp finds a comp algorithm (attach_one_algo with
// xfrm_calg_get_byname).
func LookupComp(name string) (*CompAlg, error) {
	for _, a := range compAlgs {
		if a.Name == name {
			if !a.Supported {
				return nil, errNotSupported("COMP", name)
			}
			return a, nil
		}
	}
	return nil, extack.New(syscall.ENOSYS, "Requested COMP algorithm not found")
}

// AEADAlgs, CipherAlgs, AuthAlgs and CompAlgs list the registry in Linux's
// order (for `ip xfrm` help texts and tests).
func AEADAlgs() []*AEADAlg { return aeadAlgs }

// CipherAlgs lists the enc algorithms.
func CipherAlgs() []*CipherAlg { return cipherAlgs }

// AuthAlgs lists the auth algorithms.
func AuthAlgs() []*AuthAlg { return authAlgs }

// CompAlgs lists the comp algorithms.
func CompAlgs() []*CompAlg { return compAlgs }

func keySizeOK(sizes []int, n int) bool {
	if sizes == nil {
		return true
	}
	for _, s := range sizes {
		if s == n {
			return true
		}
	}
	return false
}

// errCryptoInit is the error Linux's esp/ah init_state returns when the
// crypto API refuses a key (EINVAL, since Linux 6.2 with this message).
var errCryptoInit = extack.New(syscall.EINVAL, "Kernel was unable to initialize cryptographic operations")

// ErrCryptoInit is returned for keys of the wrong length.
func ErrCryptoInit() error { return errCryptoInit }
