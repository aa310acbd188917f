package macvtap_test

import (
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/macvlan"
	"github.com/softnet/softnet/macvlan/macvtap"
	"github.com/softnet/softnet/packet/packettest"
)

// FuzzWrite writes arbitrary bytes (vnet header + frame) into a queue of
// a bridge-mode macvtap whose sibling has readers with and without
// offloads: nothing may panic, every buffer must be freed, and what is
// read back must fit the reader's buffer.
func FuzzWrite(f *testing.F) {
	f.Add(withHdr(header.VirtioNetHdrFields{}, udpFrame(mac1, mac0, ip0, ip1, 1, 2, []byte("x"))), true, false)
	f.Add(tcpGSOFrame(5000, 1448, true), true, true)
	f.Add(tcpGSOFrame(3000, 500, false)[10:], false, false)
	f.Add([]byte{1, 5, 0, 0, 1, 0, 34, 0, 6, 0}, true, true)
	f.Add([]byte{}, true, false)
	packettest.CheckBalance(f)
	e := newEnv(f)
	q0 := open(f, e.macvtap(f, "macvtap0", macvlan.ModeBridge, mac0))
	tap1 := e.macvtap(f, "macvtap1", macvlan.ModeBridge, mac1)
	plain, offl := open(f, tap1), open(f, tap1)
	plain.SetNonblock(true)
	offl.SetNonblock(true)
	plain.SetIff("", macvtap.IffTAP|macvtap.IffNoPI)
	offl.SetOffload(macvtap.TunFCsum | macvtap.TunFTSO4 | macvtap.TunFTSO6 | macvtap.TunFUSO4 | macvtap.TunFUSO6)
	buf := make([]byte, 70000)
	f.Fuzz(func(t *testing.T, data []byte, vnet, le bool) {
		if vnet {
			q0.SetIff("", macvtap.IffTAP|macvtap.IffNoPI|macvtap.IffVnetHdr)
		} else {
			q0.SetIff("", macvtap.IffTAP|macvtap.IffNoPI)
		}
		q0.SetVnetLE(le)
		data = append([]byte(nil), data...)
		if len(data) >= 16 {
			copy(data[10:16], mac1[:]) // aim most inputs at the sibling
		}
		q0.Write(data)
		e.loop.RunIdle(0)
		for _, q := range []*macvtap.Queue{plain, offl} {
			for {
				n, err := q.Read(buf)
				if err != nil {
					break
				}
				if n > len(buf) {
					t.Fatalf("read %d > buffer", n)
				}
			}
		}
	})
}
