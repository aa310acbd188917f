package fib

import (
	"net/netip"
	"slices"
	"testing"
)

// decodeOps turns fuzz bytes into operations. Each op is one opcode byte
// followed by a family/length byte and up to 16 address bytes; a short
// tail is padded with zeros, so every input decodes.
type fuzzOp struct {
	code byte
	p    netip.Prefix
	a    netip.Addr
}

func decodeOps(data []byte) []fuzzOp {
	var ops []fuzzOp
	for len(data) > 0 && len(ops) < 400 {
		var buf [18]byte
		n := copy(buf[:], data)
		is4 := buf[1]&0x80 == 0
		size := 16
		if is4 {
			size = 4
		}
		data = data[min(n, 2+size):]
		var a netip.Addr
		if is4 {
			a = netip.AddrFrom4([4]byte(buf[2:6]))
		} else {
			a = netip.AddrFrom16([16]byte(buf[2:18]))
		}
		bits := int(buf[1]&0x7f) % (a.BitLen() + 1)
		ops = append(ops, fuzzOp{buf[0] % 4, netip.PrefixFrom(a, bits).Masked(), a})
	}
	return ops
}

func FuzzOps(f *testing.F) {
	f.Add([]byte{0, 8, 10, 0, 0, 0, 0, 24, 10, 1, 2, 0, 3, 0x80, 0, 0, 0, 0, 3, 32, 10, 1, 2, 3})
	f.Add([]byte{0, 0x80 | 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0x80 | 64, 0x20, 0x01, 0x0d, 0xb8})
	f.Add([]byte{0, 32, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 1, 0, 3, 32, 255, 255, 255, 255})
	f.Fuzz(func(t *testing.T, data []byte) {
		var tbl Table[int]
		ref := refTable{}
		ops := decodeOps(data)
		// Apply the first half one write at a time, the rest in one Update.
		half := len(ops) / 2
		apply := func(i int, op fuzzOp, ins func(netip.Prefix, int) (int, bool), del func(netip.Prefix) (int, bool)) {
			switch op.code {
			case 0, 1:
				wold, wrep := ref[op.p]
				if old, rep := ins(op.p, i); old != wold || rep != wrep {
					t.Fatalf("Insert(%v) = %d %v; want %d %v", op.p, old, rep, wold, wrep)
				}
				ref[op.p] = i
			case 2:
				wold, wok := ref[op.p]
				if old, ok := del(op.p); old != wold || ok != wok {
					t.Fatalf("Delete(%v) = %d %v; want %d %v", op.p, old, ok, wold, wok)
				}
				delete(ref, op.p)
			case 3:
				wp, wv, wok := ref.lookup(op.a)
				if p, v, ok := tbl.Lookup(op.a); p != wp || v != wv || ok != wok {
					t.Fatalf("Lookup(%v) = %v %d %v; want %v %d %v", op.a, p, v, ok, wp, wv, wok)
				}
			}
		}
		for i, op := range ops[:half] {
			apply(i, op, tbl.Insert, tbl.Delete)
		}
		tbl.Update(func(tx *Tx[int]) {
			for i, op := range ops[half:] {
				if op.code == 3 {
					continue // lookups are checked outside the transaction
				}
				apply(half+i, op, tx.Insert, tx.Delete)
			}
		})
		for _, op := range ops {
			wp, wv, wok := ref.lookup(op.a)
			if p, v, ok := tbl.Lookup(op.a); p != wp || v != wv || ok != wok {
				t.Fatalf("final Lookup(%v) = %v %d %v; want %v %d %v", op.a, p, v, ok, wp, wv, wok)
			}
		}
		var got []netip.Prefix
		for p := range tbl.All() {
			got = append(got, p)
		}
		if want := ref.sorted(); !slices.Equal(got, want) {
			t.Fatalf("Walk order:\n got %v\nwant %v", got, want)
		}
		checkInvariants(t, tbl.Snapshot())
	})
}
