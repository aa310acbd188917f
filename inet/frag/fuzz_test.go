package frag

import (
	"bytes"
	"testing"
	"time"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

// FuzzReassemble plays a script of fragments decoded from the input: each
// 4-byte op picks an ID (of 4), an offset and length in 8-byte units, the
// MF flag, and sometimes advances the clock. Whatever arrives, nothing may
// panic or leak, and memory accounting must return to zero.
func FuzzReassemble(f *testing.F) {
	f.Add(true, []byte{0, 0, 4, 1, 0, 4, 4, 0})
	f.Add(false, []byte{0, 0, 4, 1, 0, 4, 4, 0})
	f.Add(true, []byte{0, 4, 4, 0, 0, 0, 4, 1, 0, 2, 4, 1, 0, 0, 8, 1})
	f.Add(false, []byte{1, 0, 2, 1, 1, 2, 2, 0x41, 1, 1, 2, 1, 2, 0, 1, 1, 2, 1, 0, 0})
	f.Add(true, []byte{0, 255, 255, 1, 0, 0, 255, 1})
	f.Fuzz(func(t *testing.T, v6 bool, script []byte) {
		packettest.CheckBalance(t)
		family := 4
		if v6 {
			family = 6
		}
		r, loop := testReasm(t, family, func(c *Config) {
			c.Limits.HighThresh = 64 << 10
			c.Limits.MaxDist = 8
			c.OnTimeout = func(first *packet.Buffer, iif int32) { _ = first.Bytes() }
		})
		for len(script) >= 4 {
			op := script[:4]
			script = script[4:]
			id := op[0] & 3
			off := int(op[1]) * 8 * 16
			n := int(op[2]) * 8
			if op[3]&2 != 0 {
				n += int(op[3] >> 4) // ragged length
			}
			more := op[3]&1 != 0
			var p []byte
			if v6 {
				p = frag6(dst6, uint32(id), off, more, payload(n, id))
			} else {
				p = frag4(uint16(id), off, more, payload(n, id))
			}
			res := r.Add(buf(t, p))
			if res.Packet != nil {
				res.Packet.Free()
			}
			if op[3]&4 != 0 {
				loop.RunFor(time.Duration(op[3]>>3) * 5 * time.Second)
			}
		}
		if r.Mem() < 0 || (r.Queues() == 0) != (r.Mem() == 0) {
			t.Fatalf("queues %d mem %d", r.Queues(), r.Mem())
		}
		loop.RunFor(2 * time.Minute)
		if r.Queues() != 0 || r.Mem() != 0 {
			t.Fatalf("after timeouts: queues %d mem %d", r.Queues(), r.Mem())
		}
	})
}

// FuzzAddRaw feeds arbitrary bytes to Add.
func FuzzAddRaw(f *testing.F) {
	f.Add(frag4(1, 0, true, payload(16, 0)))
	f.Add(frag6(dst6, 1, 0, true, payload(16, 0)))
	f.Add(frag6(dst6, 1, 8, false, payload(3, 0)))
	f.Add(datagram6(20, header.IPProtoHopByHop))
	f.Fuzz(func(t *testing.T, p []byte) {
		packettest.CheckBalance(t)
		for _, family := range []int{4, 6} {
			r, _ := testReasm(t, family, nil)
			res := r.Add(buf(t, p))
			if res.Packet != nil {
				res.Packet.Free()
			}
			r.Close()
		}
	})
}

// FuzzFragment fragments arbitrary packets at arbitrary MTUs; valid
// datagrams must reassemble to their payload.
func FuzzFragment(f *testing.F) {
	f.Add(datagram4(3000, 1, nil), uint16(1500))
	f.Add(datagram4(300, 1, []byte{header.IPv4OptionRR, 3, 4}), uint16(68))
	f.Add(datagram6(3000, header.IPProtoDstOpts), uint16(1280))
	f.Add(frag4(1, 64, true, payload(900, 1)), uint16(100))
	f.Fuzz(func(t *testing.T, p []byte, mtu16 uint16) {
		packettest.CheckBalance(t)
		if len(p) == 0 {
			return
		}
		mtu := int(mtu16)
		var frags [][]byte
		emit := func(b *packet.Buffer) error {
			if b.Len() > mtu && len(frags) > 0 {
				t.Errorf("fragment of %d bytes at mtu %d", b.Len(), mtu)
			}
			frags = append(frags, bytes.Clone(b.Bytes()))
			b.Free()
			return nil
		}
		v6 := p[0]>>4 == 6
		var err error
		if v6 {
			err = FragmentIPv6(buf(t, p), mtu, 7, nil, emit)
		} else {
			err = FragmentIPv4(buf(t, p), mtu, false, nil, emit)
		}
		if err != nil || v6 || len(frags) < 2 {
			return
		}
		ip := header.IPv4(p)
		if ip.IsFragment() {
			return
		}
		r, _ := testReasm(t, 4, nil)
		var res Result
		for _, fr := range frags {
			res = r.Add(buf(t, fr))
		}
		if res.Status != Done {
			t.Fatalf("reassembly: %v %v", res.Status, res.Reason)
		}
		got := res.Packet.Bytes()
		hlen := ip.HeaderLength()
		if !bytes.Equal(got[hlen:], p[hlen:ip.TotalLength()]) {
			t.Error("payload differs after round trip")
		}
		res.Packet.Free()
	})
}
