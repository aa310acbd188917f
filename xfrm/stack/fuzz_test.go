package stack_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/topo"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
)

// fuzzSite is two hosts on one link, 192.0.2.1/2 and 2001:db8::1/2, with
// every kind of SA whose input the stack parses: ESP-in-UDP (NAT-T) in
// tunnel mode for 203.0.113.1 ↔ .2, AH and IPComp in tunnel mode for
// 198.51.100.1 ↔ .2, ESP in transport mode over IPv6 (NDP bypassed),
// ESP in BEET mode for 198.51.100.101 ↔ .102; and a vti and an xfrm interface
// that claim ESP first.
func fuzzSite(t testing.TB) *topo.Topo {
	tp := topo.New(t)
	tp.Host("a")
	tp.Host("b")
	tp.Link("a:eth0", "b:eth0", "192.0.2.1/24", "192.0.2.2/24")
	tp.Addr("a:eth0", "2001:db8::1/64")
	tp.Addr("b:eth0", "2001:db8::2/64")
	const (
		aead = " aead rfc4106(gcm(aes)) 0x000102030405060708090a0b0c0d0e0f10111213 128"
		auth = " auth-trunc hmac(sha256) 0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f 128"
	)
	for _, h := range []struct{ name, me, peer, me6, peer6, n string }{
		{"a", "192.0.2.1", "192.0.2.2", "2001:db8::1", "2001:db8::2", "1"},
		{"b", "192.0.2.2", "192.0.2.1", "2001:db8::2", "2001:db8::1", "2"},
	} {
		peerN := map[string]string{"1": "2", "2": "1"}[h.n]
		lines := []string{
			"ip addr add 203.0.113." + h.n + "/32 dev lo",
			"ip addr add 198.51.100." + h.n + "/32 dev lo",
			"ip addr add 198.51.100.10" + h.n + "/32 dev lo",
			"ip route add 203.0.113." + peerN + "/32 via " + h.peer,
			"ip route add 198.51.100." + peerN + "/32 via " + h.peer,
			"ip route add 198.51.100.10" + peerN + "/32 via " + h.peer,
			"ip link add vti0 type vti local " + h.me + " remote 192.0.2.99 key 7",
			"ip link add xfrm0 type xfrm if_id 9",
		}
		for _, d := range [][2]string{{h.me, h.peer}, {h.peer, h.me}} {
			lines = append(lines,
				"ip xfrm state add src "+d[0]+" dst "+d[1]+" proto esp spi 0x100 reqid 1 mode tunnel replay-window 32"+aead+" encap espinudp 4500 4500 0.0.0.0",
				"ip xfrm state add src "+d[0]+" dst "+d[1]+" proto ah spi 0x200 reqid 2 mode tunnel"+auth,
				"ip xfrm state add src "+d[0]+" dst "+d[1]+" proto comp spi 0x300 reqid 2 mode tunnel comp deflate",
				"ip xfrm state add src "+d[0]+" dst "+d[1]+" proto esp spi 0x500 reqid 5 mode beet"+aead+
					" sel src 198.51.100.10"+d[0][len(d[0])-1:]+" dst 198.51.100.10"+d[1][len(d[1])-1:],
			)
		}
		for _, d := range [][2]string{{h.me6, h.peer6}, {h.peer6, h.me6}} {
			lines = append(lines, "ip xfrm state add src "+d[0]+" dst "+d[1]+" proto esp spi 0x400 reqid 4 mode transport"+aead)
		}
		for _, dir := range [][3]string{{"out", h.n, peerN}, {"in", peerN, h.n}} {
			src, dst := dir[1], dir[2]
			me, peer := h.me, h.peer
			if dir[0] == "in" {
				me, peer = peer, me
			}
			lines = append(lines,
				"ip xfrm policy add src 203.0.113."+src+" dst 203.0.113."+dst+" dir "+dir[0]+" tmpl src "+me+" dst "+peer+" proto esp reqid 1 mode tunnel",
				"ip xfrm policy add src 198.51.100."+src+" dst 198.51.100."+dst+" dir "+dir[0]+
					" tmpl src "+me+" dst "+peer+" proto comp reqid 2 mode tunnel level use"+
					" tmpl src "+me+" dst "+peer+" proto ah reqid 2 mode tunnel",
				"ip xfrm policy add src 198.51.100.10"+src+" dst 198.51.100.10"+dst+" dir "+dir[0]+" tmpl src "+me+" dst "+peer+" proto esp reqid 5 mode beet",
				"ip xfrm policy add src 2001:db8::/64 dst 2001:db8::/64 dir "+dir[0]+" priority 100 tmpl proto esp reqid 4 mode transport",
				"ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 135 dir "+dir[0]+" priority 10",
				"ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 136 dir "+dir[0]+" priority 10",
			)
		}
		env := &iproute.Env{World: tp.W, NS: tp.NS(h.name)}
		for _, l := range lines {
			var out bytes.Buffer
			if rc := iproute.RunLine(env, l, &out, &out); rc != 0 {
				t.Fatalf("%s: %s: %s", h.name, l, out.String())
			}
		}
	}
	return tp
}

// frameTap keeps copies of the frames a device sends.
type frameTap struct {
	mu     sync.Mutex
	frames [][]byte
}

func (f *frameTap) Tap(_ *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
	if dir != netdev.DirOut {
		return
	}
	f.mu.Lock()
	f.frames = append(f.frames, bytes.Clone(b.Bytes()))
	f.mu.Unlock()
}

// FuzzStackRcv feeds frames to a host with ESP (NAT-T, tunnel,
// transport, BEET), AH and IPComp SAs, policies, a vti and an xfrm
// interface: whatever arrives, nothing panics and no buffer leaks. The
// seeds are the frames the peer sends for pings over each SA.
func FuzzStackRcv(f *testing.F) {
	tp := fuzzSite(f)
	tap := &frameTap{}
	tp.Dev("a:eth0").AddTap(tap)
	for _, dst := range []string{"203.0.113.2", "198.51.100.2", "198.51.100.102", "2001:db8::2"} {
		src := map[string]string{"203.0.113.2": "203.0.113.1", "198.51.100.2": "198.51.100.1", "198.51.100.102": "198.51.100.101", "2001:db8::2": ""}[dst]
		opts := pingOpts(src, 1000)
		pingAllTB(f, tp, "a", dst, opts, 2)
		opts.Size = 40
		pingAllTB(f, tp, "a", dst, opts, 1)
	}
	for _, fr := range tap.frames {
		f.Add(fr[14:], fr[12:14])
	}
	rx := tp.Dev("b:eth0")
	mac := rx.HardwareAddr()
	src := tp.Dev("a:eth0").HardwareAddr()
	f.Fuzz(func(t *testing.T, data, ethType []byte) {
		if len(data) > 9000 || len(ethType) != 2 {
			return
		}
		frame := make([]byte, 0, 14+len(data))
		frame = append(frame, mac...)
		frame = append(frame, src...)
		frame = append(frame, ethType...)
		frame = append(frame, data...)
		b, err := packet.FromBytes(frame)
		if err != nil {
			return
		}
		rx.Receive(b)
		tp.Run()
	})
}

func pingOpts(src string, size int) inet.EchoOpts {
	o := inet.EchoOpts{Size: size}
	if src != "" {
		o.Src = ip(src)
	}
	return o
}

// pingAllTB pings dst from host count times and fails t unless every
// ping is answered.
func pingAllTB(t testing.TB, tp *topo.Topo, host, dst string, o inet.EchoOpts, count int) {
	t.Helper()
	if replies := countReplies(tp, host, dst, o, count); replies != count {
		t.Fatalf("ping %s from %s (%d bytes): %d of %d replies", dst, host, o.Size, replies, count)
	}
}

// TestAHOverUncompressedIPComp: an AH tunnel SA under an optional IPComp
// template. A small packet leaves uncompressed as IP in IP inside AH; the
// receiver's AH decapsulation hands over the IP-in-IP packet with AH in
// its SecPath, which reaches the IPComp SA's kernel tunnel state without
// an input policy check of its own (tunnel4 is a no_policy protocol in
// Linux): both sizes are answered and XfrmInNoPols stays 0.
func TestAHOverUncompressedIPComp(t *testing.T) {
	tp := fuzzSite(t)
	for _, size := range []int{1000, 40} {
		pingAllTB(t, tp, "a", "198.51.100.2", pingOpts("198.51.100.1", size), 2)
	}
	for _, h := range []string{"a", "b"} {
		if n := xfrm.ForNamespace(tp.NS(h)).MIB.Get(xfrm.InNoPols); n != 0 {
			t.Errorf("%s: XfrmInNoPols = %d, want 0", h, n)
		}
	}
}
