package frag

import (
	"bytes"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/ip4defrag"
	"github.com/gopacket/gopacket/ip6defrag"
	"github.com/gopacket/gopacket/layers"
	"github.com/softnet/softnet/packet/packettest"
)

// TestGopacketDefrag checks our fragments with an independent
// reassembler: gopacket's ip4defrag.
func TestGopacketDefrag(t *testing.T) {
	packettest.CheckBalance(t)
	orig := datagram4(8000, 77, nil)
	for _, mtu := range []int{1500, 576, 68} {
		d := ip4defrag.NewIPv4Defragmenter()
		var out *layers.IPv4
		for _, f := range split(t, orig, mtu) {
			p := gopacket.NewPacket(f, layers.LayerTypeIPv4, gopacket.Default)
			ip, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
			if !ok {
				t.Fatalf("mtu %d: gopacket cannot decode a fragment", mtu)
			}
			res, err := d.DefragIPv4(ip)
			if err != nil {
				t.Fatalf("mtu %d: %v", mtu, err)
			}
			if res != nil {
				out = res
			}
		}
		if out == nil || !bytes.Equal(out.Payload, orig[20:]) {
			t.Fatalf("mtu %d: gopacket did not reassemble the datagram", mtu)
		}
	}
}

// TestGopacketDefragIPv6 does the same with gopacket's ip6defrag.
func TestGopacketDefragIPv6(t *testing.T) {
	packettest.CheckBalance(t)
	orig := datagram6(8000)
	for _, mtu := range []int{1500, 1280} {
		d := ip6defrag.NewIPv6Defragmenter()
		var out *layers.IPv6
		for _, f := range split(t, orig, mtu) {
			p := gopacket.NewPacket(f, layers.LayerTypeIPv6, gopacket.Default)
			ip, ok1 := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
			fh, ok2 := p.Layer(layers.LayerTypeIPv6Fragment).(*layers.IPv6Fragment)
			if !ok1 || !ok2 {
				t.Fatalf("mtu %d: gopacket cannot decode a fragment", mtu)
			}
			if res := d.DefragIPv6(ip, fh); res != nil {
				out = res
			}
		}
		if out == nil || !bytes.Equal(out.Payload, orig[40:]) {
			t.Fatalf("mtu %d: gopacket did not reassemble the packet", mtu)
		}
	}
}
