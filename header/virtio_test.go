package header_test

import (
	"bytes"
	"testing"

	"github.com/softnet/softnet/header"
)

func TestVirtioNetHdrByteOrder(t *testing.T) {
	f := header.VirtioNetHdrFields{
		Flags: header.VirtioNetHdrFNeedsCsum, GSOType: header.VirtioNetHdrGSOTCPv4 | header.VirtioNetHdrGSOECN,
		HdrLen: 0x0036, GSOSize: 0x05a8, CsumStart: 0x0022, CsumOffset: 0x0010,
	}
	tests := []struct {
		name   string
		little bool
		want   []byte
	}{
		{"le", true, []byte{1, 0x81, 0x36, 0, 0xa8, 5, 0x22, 0, 0x10, 0}},
		{"be", false, []byte{1, 0x81, 0, 0x36, 5, 0xa8, 0, 0x22, 0, 0x10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := header.VirtioNetHdr(make([]byte, header.VirtioNetHdrSize))
			h.Encode(&f, tt.little)
			if !bytes.Equal(h, tt.want) {
				t.Fatalf("encoded % x, want % x", []byte(h), tt.want)
			}
			if got := h.Decode(tt.little); got != f {
				t.Fatalf("decoded %+v, want %+v", got, f)
			}
			if h.HdrLen(tt.little) != f.HdrLen || h.GSOSize(tt.little) != f.GSOSize ||
				h.CsumStart(tt.little) != f.CsumStart || h.CsumOffset(tt.little) != f.CsumOffset ||
				h.Flags() != f.Flags || h.GSOType() != f.GSOType {
				t.Fatal("accessors disagree with Decode")
			}
		})
	}
}

func TestVirtioNetHdrMrg(t *testing.T) {
	h := header.VirtioNetHdr(make([]byte, header.VirtioNetHdrMrgRxbufSize))
	h.SetNumBuffers(1, true)
	if h.NumBuffers(true) != 1 || h[10] != 1 || h[11] != 0 {
		t.Fatalf("num_buffers % x", []byte(h))
	}
	if !h.IsValid() || header.VirtioNetHdr(make([]byte, 9)).IsValid() {
		t.Fatal("IsValid")
	}
}

func TestVirtioNetHdrAllocs(t *testing.T) {
	h := header.VirtioNetHdr(make([]byte, header.VirtioNetHdrSize))
	f := header.VirtioNetHdrFields{GSOSize: 1448}
	n := testing.AllocsPerRun(100, func() {
		h.Encode(&f, true)
		f = h.Decode(true)
	})
	if n != 0 {
		t.Fatalf("%v allocs", n)
	}
}

func FuzzVirtioNetHdr(f *testing.F) {
	f.Add([]byte{1, 1, 0x36, 0, 0xa8, 5, 0x22, 0, 0x10, 0}, true)
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0}, false)
	f.Add([]byte{}, true)
	f.Fuzz(func(t *testing.T, data []byte, little bool) {
		h := header.VirtioNetHdr(data)
		if !h.IsValid() {
			return
		}
		got := h.Decode(little)
		out := header.VirtioNetHdr(make([]byte, header.VirtioNetHdrSize))
		out.Encode(&got, little)
		if !bytes.Equal(out, data[:header.VirtioNetHdrSize]) {
			t.Fatalf("round trip % x -> % x", data[:10], []byte(out))
		}
	})
}
