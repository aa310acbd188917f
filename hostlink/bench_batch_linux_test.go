package hostlink_test

import (
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/hostlink"
	"github.com/softnet/softnet/internal/sys/privtest"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// burstLen is the segments of one 64 KiB TSO frame at a 1400-byte MTU,
// what one TUN read hands a vti+ESP gateway.
const burstLen = 45

// BenchmarkTunWriteGRO: softnet transmits bursts of 45 in-order
// 1400-byte TCP segments into a vnet_hdr TUN; each burst leaves as one
// TSO frame (one writev). Compare with BenchmarkTunWrite (one write per
// packet).
func BenchmarkTunWriteGRO(b *testing.B) {
	frames := make([][]byte, burstLen)
	payload := make([]byte, 1360)
	for i := range frames {
		frames[i] = build.IPv4(build.IPv4Opts{Src: snIP, Dst: hostIP, Proto: header.IPProtoTCP, TTL: 64},
			build.TCP(build.TCPOpts{SrcPort: 4000, DstPort: 9, Seq: uint32(i * len(payload)), Ack: 1, Flags: 0x10, Window: 1000}, payload))
	}
	benchTunBursts(b, frames)
}

// BenchmarkTunWriteUSO is BenchmarkTunWriteGRO for 1400-byte UDP
// datagrams of one flow: each burst leaves as one USO frame.
func BenchmarkTunWriteUSO(b *testing.B) {
	frames := make([][]byte, burstLen)
	for i := range frames {
		frames[i] = build.IPv4(build.IPv4Opts{Src: snIP, Dst: hostIP, Proto: header.IPProtoUDP, TTL: 64},
			build.UDP(4000, 9, make([]byte, 1372)))
	}
	benchTunBursts(b, frames)
}

// benchTunBursts transmits frames round and round on a vnet_hdr
// host-tun, a burst per len(frames).
func benchTunBursts(b *testing.B, frames [][]byte) {
	sendBursts(b, tunBench(b, true), frames, true)
}

// sendBursts transmits frames round and round on d (their checksums
// vouched for), in receive bursts of burstLen packets when bursts is set,
// and reports packets/s.
func sendBursts(b *testing.B, d *netdev.Device, frames [][]byte, bursts bool) {
	w := d.Namespace().World()
	b.SetBytes(int64(len(frames[0])))
	b.ReportAllocs()
	b.ResetTimer()
	var bt netdev.Burst
	for i := range b.N {
		if bursts && i%burstLen == 0 {
			bt = w.BeginBurst()
		}
		p, _ := packet.FromBytes(frames[i%len(frames)])
		p.Csum.Mode = packet.CsumUnnecessary
		if err := d.Transmit(p); err != nil {
			b.Fatal(err)
		}
		if bursts && (i%burstLen == burstLen-1 || i == b.N-1) {
			w.EndBurst(bt)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
}

// BenchmarkUDPTrain: softnet transmits bursts of 45 1400-byte ESP-in-UDP
// sized datagrams on a host-udp device; each burst leaves as one
// UDP_SEGMENT sendmsg (to a closed loopback port).
func BenchmarkUDPTrain(b *testing.B) {
	privtest.Netns(b)
	w := newWorld(b)
	d := addLink(b, w.Init(), "hudp0", "host-udp", &hostlink.UDPData{Local: netip.AddrPortFrom(loIP, 0)})
	port := udpInfo(d).Local.Port()
	if !udpInfo(d).GSO {
		b.Skip("kernel lacks UDP_SEGMENT")
	}
	frame := build.IPv4(build.IPv4Opts{Src: loIP, Dst: loIP, Proto: header.IPProtoUDP},
		build.UDP(port, 9, make([]byte, 1372)))
	sendBursts(b, d, [][]byte{frame}, true)
	if b.N >= burstLen && udpInfo(d).TxTrains == 0 {
		b.Errorf("no trains were sent: tx %d errors %d drops %d", d.Stats.TxPackets.Load(), d.Stats.TxErrors.Load(), d.Stats.TxDropped.Load())
	}
}

// BenchmarkRawIPSend and BenchmarkRawIPBatch: softnet transmits 1400-byte
// IPv4 packets on a host-ip device (to loopback, where the host drops
// them), one sendmsg each or, during bursts of 45, one sendmmsg per burst.
func BenchmarkRawIPSend(b *testing.B)  { benchRawIP(b, false) }
func BenchmarkRawIPBatch(b *testing.B) { benchRawIP(b, true) }

func benchRawIP(b *testing.B, bursts bool) {
	privtest.Netns(b)
	w := newWorld(b)
	d := addLink(b, w.Init(), "hip0", "host-ip", &hostlink.RawIPData{Protocols: []uint8{50}})
	sendBursts(b, d, [][]byte{ipip(loIP, loIP, string(make([]byte, 1400-48)))}, bursts)
	if d.Stats.TxPackets.Load() != uint64(b.N) {
		b.Errorf("tx_packets %d of %d (errors %d)", d.Stats.TxPackets.Load(), b.N, d.Stats.TxErrors.Load())
	}
}
