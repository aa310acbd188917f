package frag

import (
	"testing"

	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

// pipeline fragments a datagram and feeds the fragments straight into a
// reassembler, as a looped-back oversize send does.
type pipeline struct {
	r    *Reassembler
	out  *packet.Buffer
	orig []byte
	emit func(*packet.Buffer) error
}

func newPipeline(tb testing.TB, family int) *pipeline {
	r, _ := testReasm(tb, family, nil)
	pl := &pipeline{r: r}
	if family == 4 {
		pl.orig = datagram4(8000, 1, nil)
	} else {
		pl.orig = datagram6(8000)
	}
	pl.emit = func(b *packet.Buffer) error {
		if res := pl.r.Add(b); res.Status == Done {
			pl.out = res.Packet
		}
		return nil
	}
	return pl
}

func (pl *pipeline) run(tb testing.TB, mtu int) {
	b, _ := packet.FromBytes(pl.orig)
	var err error
	if pl.orig[0]>>4 == 4 {
		err = FragmentIPv4(b, mtu, false, nil, pl.emit)
	} else {
		err = FragmentIPv6(b, mtu, 1, nil, pl.emit)
	}
	if err != nil || pl.out == nil || pl.out.Len() != len(pl.orig) {
		tb.Fatalf("pipeline: %v", err)
	}
	pl.out.Free()
	pl.out = nil
}

func TestPipelineAllocs(t *testing.T) {
	if israce.Enabled {
		t.Skip("sync.Pool drops items under -race")
	}
	packettest.CheckBalance(t)
	for _, tc := range []struct {
		family, mtu int
	}{{4, 1500}, {6, 1280}} {
		pl := newPipeline(t, tc.family)
		pl.run(t, tc.mtu) // warm the pools, map and timer
		if n := testing.AllocsPerRun(200, func() { pl.run(t, tc.mtu) }); n != 0 {
			t.Errorf("IPv%d: %.1f allocs per fragment+reassemble", tc.family, n)
		}
	}
}

func BenchmarkFragmentIPv4(b *testing.B) {
	orig := datagram4(8000, 1, nil)
	emit := func(f *packet.Buffer) error { f.Free(); return nil }
	b.ReportAllocs()
	b.SetBytes(int64(len(orig)))
	for b.Loop() {
		p, _ := packet.FromBytes(orig)
		if err := FragmentIPv4(p, 1500, false, nil, emit); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFragmentIPv6(b *testing.B) {
	orig := datagram6(8000)
	emit := func(f *packet.Buffer) error { f.Free(); return nil }
	b.ReportAllocs()
	b.SetBytes(int64(len(orig)))
	for b.Loop() {
		p, _ := packet.FromBytes(orig)
		if err := FragmentIPv6(p, 1280, 1, nil, emit); err != nil {
			b.Fatal(err)
		}
	}
}

func benchReassemble(b *testing.B, family, mtu int) {
	pl := newPipeline(b, family)
	frags := split(b, pl.orig, mtu)
	b.ReportAllocs()
	b.SetBytes(int64(len(pl.orig)))
	for b.Loop() {
		var res Result
		for _, f := range frags {
			p, _ := packet.FromBytes(f)
			res = pl.r.Add(p)
		}
		if res.Status != Done {
			b.Fatal(res.Status)
		}
		res.Packet.Free()
	}
}

func BenchmarkReassembleIPv4(b *testing.B) { benchReassemble(b, 4, 1500) }
func BenchmarkReassembleIPv6(b *testing.B) { benchReassemble(b, 6, 1280) }

func BenchmarkRoundTripIPv4(b *testing.B) {
	pl := newPipeline(b, 4)
	b.ReportAllocs()
	b.SetBytes(int64(len(pl.orig)))
	for b.Loop() {
		pl.run(b, 1500)
	}
}
