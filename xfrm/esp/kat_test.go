package esp

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/xfrm"
)

type katCase map[string][]byte

func readKAT(t *testing.T, path string) []katCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []katCase
	cur := katCase{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = katCase{}
			}
			continue
		}
		k, v, _ := strings.Cut(line, " ")
		b, err := hex.DecodeString(v)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		cur[k] = b
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// katState builds a tunnel-mode SA for a vector whose IV generation
// reproduces the vector's IV at its sequence number.
func katState(t *testing.T, alg string, c katCase, forOutput bool) (*xfrm.State, uint64) {
	t.Helper()
	aad := c["aad"]
	spi := binary.BigEndian.Uint32(aad)
	var hi, lo uint32
	cfg := xfrm.Config{ID: xfrm.ID{Daddr: b4, SPI: spi, Proto: xfrm.ProtoESP}, Saddr: a4, Family: 4, Mode: xfrm.ModeTunnel, ReplayWindow: 32}
	if len(aad) == 12 {
		hi, lo = binary.BigEndian.Uint32(aad[4:]), binary.BigEndian.Uint32(aad[8:])
		cfg.Flags |= xfrm.FlagESN
	} else {
		lo = binary.BigEndian.Uint32(aad[4:])
	}
	seq := uint64(hi)<<32 | uint64(lo)
	prev := seq - 1
	if forOutput {
		cfg.Replay.OSeq, cfg.Replay.OSeqHi = uint32(prev), uint32(prev>>32)
	} else {
		cfg.Replay.Seq, cfg.Replay.SeqHi = uint32(prev), uint32(prev>>32)
		if cfg.Flags&xfrm.FlagESN == 0 {
			cfg.Replay.SeqHi = 0
		}
	}
	nonce := c["nonce"]
	cfg.AEAD = &xfrm.AEADSpec{Name: alg, Key: append(append([]byte(nil), c["key"]...), nonce[:4]...), ICVBits: 128}
	salt := binary.BigEndian.Uint64(nonce[4:]) ^ seq
	x, err := xfrm.NewState(cfg, xfrm.Options{IVSalt: &salt})
	if err != nil {
		t.Fatal(err)
	}
	return x, seq
}

func runKAT(t *testing.T, path, alg string) {
	packettest.CheckBalance(t)
	for i, c := range readKAT(t, path) {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			x, seq := katState(t, alg, c, true)
			aad, pt := c["aad"], c["pt"]
			// Cipher level: seal aad | iv | pt | icv.
			buf := append(append(append([]byte(nil), aad...), make([]byte, 8)...), pt...)
			buf = append(buf, make([]byte, 16)...)
			x.AEAD.Seal(buf, len(aad), seq)
			want := append(append(append(append([]byte(nil), aad...), c["nonce"][4:]...), c["ct"]...), c["tag"]...)
			if !bytes.Equal(buf, want) {
				t.Fatalf("seal:\n got %x\nwant %x", buf, want)
			}
			if !x.AEAD.Open(buf, len(aad)) || !bytes.Equal(buf[len(aad)+8:len(buf)-16], pt) {
				t.Fatal("open failed")
			}
			if pt[len(pt)-1] != 4 {
				return // not a tunnel-mode payload
			}
			// Packet level: the ESP packet in an IPv4 header, through Input.
			esp := append(append(append(append([]byte(nil), aad[:4]...), aad[len(aad)-4:]...), c["nonce"][4:]...), c["ct"]...)
			esp = append(esp, c["tag"]...)
			wire := build.IPv4(build.IPv4Opts{Src: a4, Dst: b4, Proto: 50, DF: true}, esp)
			in, _ := katState(t, alg, c, false)
			b, _ := packet.FromBytes(wire)
			defer b.Free()
			padlen := int(pt[len(pt)-2])
			inner := pt[:len(pt)-2-padlen]
			if err := Input(in, b); err != nil {
				t.Fatalf("Input: %v", err)
			}
			if !bytes.Equal(b.Bytes(), inner) {
				t.Fatalf("Input:\n got %x\nwant %x", b.Bytes(), inner)
			}
			// And Output reproduces the packet when Linux's padding (to 4
			// bytes) is the vector's.
			if (len(inner)+2+padlen)%4 != 0 || padlen >= 4 {
				return
			}
			b2, _ := packet.FromBytes(inner)
			defer b2.Free()
			if err := Output(x, b2, nil); err != nil {
				t.Fatal(err)
			}
			if got := b2.Bytes()[20:]; !bytes.Equal(got, esp) {
				t.Fatalf("Output:\n got %x\nwant %x", got, esp)
			}
		})
	}
}

func TestKATGCMDraftMcGrew(t *testing.T) {
	runKAT(t, "testdata/draft-mcgrew-gcm-test-01.txt", "rfc4106(gcm(aes))")
}

func TestKATChaChaRFC7634(t *testing.T) {
	runKAT(t, "testdata/rfc7634-appendix-a.txt", "rfc7539esp(chacha20,poly1305)")
}
