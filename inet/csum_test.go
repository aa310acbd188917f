package inet_test

import (
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// A UDP datagram whose checksum is still to be completed (CHECKSUM_PARTIAL,
// as a guest with offloads sends it) is trusted on local delivery, as
// skb_csum_unnecessary does; the same bytes marked CHECKSUM_NONE are dropped.
func TestPartialChecksumTrustedOnInput(t *testing.T) {
	tp, d := fuzzRig(t)
	var got int
	c, err := inet.ListenUDP(tp.NS("r"), netip.AddrPortFrom(netip.Addr{}, 7000),
		func(src, dst netip.AddrPort, payload []byte) { got++ })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pkt := build.IPv4(build.IPv4Opts{Src: fa, Dst: fr, Proto: 17}, build.UDP(5000, 7000, []byte("hello")))
	pkt[20+6], pkt[20+7] = 0x12, 0x34 // a checksum field that is not the full checksum
	for _, tc := range []struct {
		mode packet.CsumMode
		want int
	}{{packet.CsumNone, 0}, {packet.CsumPartial, 1}} {
		b, _ := packet.FromBytes(pkt)
		b.Protocol = netdev.EthPIPv4
		b.SetNetworkHeader(0)
		if tc.mode == packet.CsumPartial {
			b.Csum = packet.Csum{Mode: packet.CsumPartial, Start: 20, Offset: 6}
		}
		got = 0
		d.Receive(b)
		tp.Run()
		if got != tc.want {
			t.Errorf("csum mode %v: delivered %d, want %d", tc.mode, got, tc.want)
		}
	}
}
