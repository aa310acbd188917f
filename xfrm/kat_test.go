package xfrm

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"hash"
	"os"
	"strings"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	if s == "-" {
		return nil
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestKATVectors(t *testing.T) {
	f, err := os.Open("testdata/vectors.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		fs := strings.Fields(line)
		kind, name := fs[0], fs[1]
		key, iv, in, want := unhex(t, fs[2]), unhex(t, fs[3]), unhex(t, fs[4]), unhex(t, fs[5])
		n++
		switch kind {
		case "cbc", "ctr":
			alg, err := LookupCipher(name)
			if err != nil {
				t.Fatal(err)
			}
			a, err := newAuthenc(alg, key, nil, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			p := append([]byte(nil), in...)
			s := getScratch()
			a.crypt(s, iv, p, false)
			if !bytes.Equal(p, want) {
				t.Errorf("%s encrypt: %x want %x", name, p, want)
			}
			a.crypt(s, iv, p, true)
			if !bytes.Equal(p, in) {
				t.Errorf("%s decrypt: %x", name, p)
			}
			putScratch(s)
		default:
			alg, _, err := LookupAuth(name, true, len(want)*8)
			if err != nil {
				t.Fatal(err)
			}
			a, err := NewAuthenticator(alg, key, len(want)*8)
			if err != nil {
				t.Fatal(err)
			}
			var h hash.Hash = a.Get()
			h.Write(in)
			got := h.Sum(nil)[:a.ICVLen()]
			a.Put(h)
			if !bytes.Equal(got, want) {
				t.Errorf("%s(%x): %x want %x", name, in, got, want)
			}
		}
	}
	if n != 13 {
		t.Fatalf("%d vectors", n)
	}
}
