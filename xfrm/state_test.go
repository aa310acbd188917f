package xfrm_test

import (
	"fmt"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/xfrm"
	_ "github.com/softnet/softnet/xfrm/ah"
	_ "github.com/softnet/softnet/xfrm/esp"
	_ "github.com/softnet/softnet/xfrm/ipcomp"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

var (
	src = netip.MustParseAddr("192.0.2.1")
	dst = netip.MustParseAddr("192.0.2.2")
)

func gcmConfig() xfrm.Config {
	return xfrm.Config{
		ID: xfrm.ID{Daddr: dst, SPI: 0x100, Proto: xfrm.ProtoESP}, Saddr: src, Family: 4,
		Mode: xfrm.ModeTunnel, Reqid: 1,
		AEAD: &xfrm.AEADSpec{Name: "rfc4106(gcm(aes))", Key: make([]byte, 20), ICVBits: 128},
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mut   func(c *xfrm.Config)
		errno syscall.Errno
		msg   string
	}{
		{"gcm bad key", func(c *xfrm.Config) { c.AEAD.Key = make([]byte, 16) }, syscall.EINVAL, "Kernel was unable to initialize cryptographic operations"},
		{"gcm bad icv", func(c *xfrm.Config) { c.AEAD.ICVBits = 100 }, syscall.ENOSYS, "Requested AEAD algorithm not found"},
		{"unknown aead", func(c *xfrm.Config) { c.AEAD.Name = "gcm(aes)" }, syscall.ENOSYS, "Requested AEAD algorithm not found"},
		{"chacha short key", func(c *xfrm.Config) {
			c.AEAD = &xfrm.AEADSpec{Name: "rfc7539esp(chacha20,poly1305)", Key: make([]byte, 32), ICVBits: 128}
		}, syscall.EINVAL, "Kernel was unable to initialize cryptographic operations"},
		{"cbc bad key", func(c *xfrm.Config) {
			c.AEAD = nil
			c.Crypt = &xfrm.AlgSpec{Name: "cbc(aes)", Key: make([]byte, 15)}
		}, syscall.EINVAL, "Kernel was unable to initialize cryptographic operations"},
		{"unknown enc", func(c *xfrm.Config) {
			c.AEAD = nil
			c.Crypt = &xfrm.AlgSpec{Name: "cbc(foo)", Key: make([]byte, 16)}
		}, syscall.ENOSYS, "Requested CRYPT algorithm not found"},
		{"serpent unsupported", func(c *xfrm.Config) {
			c.AEAD = nil
			c.Crypt = &xfrm.AlgSpec{Name: "serpent", Key: make([]byte, 16)}
		}, syscall.ENOSYS, "Requested CRYPT algorithm serpent is not supported by softnet"},
		{"trunc too long", func(c *xfrm.Config) {
			c.AEAD = nil
			c.Crypt = &xfrm.AlgSpec{Name: "cbc(aes)", Key: make([]byte, 16)}
			c.Auth = &xfrm.AuthSpec{Name: "hmac(sha256)", Key: make([]byte, 32), Trunc: true, TruncBits: 257}
		}, syscall.EINVAL, "Invalid length requested for truncated ICV"},
		{"unknown auth", func(c *xfrm.Config) {
			c.AEAD = nil
			c.Crypt = &xfrm.AlgSpec{Name: "cbc(aes)", Key: make([]byte, 16)}
			c.Auth = &xfrm.AuthSpec{Name: "hmac(sha3)", Key: make([]byte, 32)}
		}, syscall.ENOSYS, "Requested AUTH algorithm not found"},
		{"aead with auth", func(c *xfrm.Config) {
			c.Auth = &xfrm.AuthSpec{Name: "hmac(sha256)", Key: make([]byte, 32)}
		}, syscall.EINVAL, "Invalid attribute combination for ESP: AEAD can't be used with AUTH, AUTH_TRUNC, CRYPT"},
		{"esp without algs", func(c *xfrm.Config) { c.AEAD = nil }, syscall.EINVAL, "Missing required attribute for ESP: at least one of AUTH, AUTH_TRUNC, CRYPT, AEAD"},
		{"esp auth only", func(c *xfrm.Config) {
			c.AEAD = nil
			c.Auth = &xfrm.AuthSpec{Name: "hmac(sha256)", Key: make([]byte, 32)}
		}, syscall.EINVAL, "ESP: AEAD or CRYPT must be provided"},
		{"tfcpad transport", func(c *xfrm.Config) { c.TFCPad = 100; c.Mode = xfrm.ModeTransport }, syscall.EINVAL, "TFC padding can only be used in tunnel mode"},
		{"esp comp", func(c *xfrm.Config) { c.Comp = &xfrm.AlgSpec{Name: "deflate"} }, syscall.EINVAL, "Invalid attribute for ESP: COMP"},
		{"window too big", func(c *xfrm.Config) { c.ReplayWindow = 4097 }, syscall.EINVAL, "ESN bitmap length must be <= 128"},
		{"esn no window", func(c *xfrm.Config) { c.Flags = xfrm.FlagESN }, syscall.EINVAL, ""},
		{"bad family", func(c *xfrm.Config) { c.Family = 5 }, syscall.EINVAL, "Invalid address family"},
		{"out with window", func(c *xfrm.Config) { c.Dir = xfrm.DirOut; c.ReplayWindow = 10 }, syscall.EINVAL, "Replay window should be 0 for output SA"},
		{"out with icmp", func(c *xfrm.Config) { c.Dir = xfrm.DirOut; c.Flags = xfrm.FlagICMP }, syscall.EINVAL, "Flag ICMP should not be set for output SA"},
		{"in with nopmtudisc", func(c *xfrm.Config) { c.Dir = xfrm.DirIn; c.Flags = xfrm.FlagNoPMTUDisc }, syscall.EINVAL, "Flag NOPMTUDISC should not be set for input SA"},
		{"in with oseq", func(c *xfrm.Config) { c.Dir = xfrm.DirIn; c.Replay.OSeq = 5 }, syscall.EINVAL, "Replay oseq and oseq_hi should be 0 for input SA"},
		{"ah without auth", func(c *xfrm.Config) { c.ID.Proto = xfrm.ProtoAH; c.AEAD = nil }, syscall.EINVAL, "Missing required attribute for AH: AUTH_TRUNC or AUTH"},
		{"ah with enc", func(c *xfrm.Config) {
			c.ID.Proto = xfrm.ProtoAH
			c.Auth = &xfrm.AuthSpec{Name: "hmac(sha1)", Key: make([]byte, 20)}
		}, syscall.EINVAL, "Invalid attributes for AH: AEAD, CRYPT, COMP, TFCPAD"},
		{"ah encap", func(c *xfrm.Config) {
			c.ID.Proto, c.AEAD = xfrm.ProtoAH, nil
			c.Auth = &xfrm.AuthSpec{Name: "hmac(sha1)", Key: make([]byte, 20)}
			c.Encap = &xfrm.Encap{Type: xfrm.EncapESPInUDP, Sport: 4500, Dport: 4500}
		}, syscall.EINVAL, "AH is not compatible with encapsulation"},
		{"comp big spi", func(c *xfrm.Config) {
			c.ID.Proto, c.AEAD, c.ID.SPI = xfrm.ProtoComp, nil, 0x10000
			c.Comp = &xfrm.AlgSpec{Name: "deflate"}
		}, syscall.EINVAL, "SPI is too large for COMP (must be < 0x10000)"},
		{"comp unknown", func(c *xfrm.Config) {
			c.ID.Proto, c.AEAD = xfrm.ProtoComp, nil
			c.Comp = &xfrm.AlgSpec{Name: "zstd"}
		}, syscall.ENOSYS, "Requested COMP algorithm not found"},
		{"comp esn", func(c *xfrm.Config) {
			c.ID.Proto, c.AEAD, c.ReplayWindow, c.Flags = xfrm.ProtoComp, nil, 32, xfrm.FlagESN
			c.Comp = &xfrm.AlgSpec{Name: "deflate"}
		}, syscall.EINVAL, "ESN only supported for ESP and AH"},
		{"bad proto", func(c *xfrm.Config) { c.ID.Proto = 6 }, syscall.EINVAL, "Unsupported protocol"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := gcmConfig()
			tc.mut(&c)
			_, err := xfrm.NewState(c, xfrm.Options{})
			if err == nil {
				t.Fatal("no error")
			}
			if extack.ErrnoOf(err) != tc.errno || extack.MessageOf(err) != tc.msg {
				t.Fatalf("got %v %q, want %v %q", extack.ErrnoOf(err), extack.MessageOf(err), tc.errno, tc.msg)
			}
		})
	}
}

func TestAuthDefaultTruncation(t *testing.T) {
	for _, tc := range []struct {
		name string
		bits int
	}{{"hmac(md5)", 96}, {"sha1", 96}, {"hmac(sha256)", 96}, {"hmac(sha384)", 192}, {"hmac(sha512)", 256}, {"xcbc(aes)", 96}} {
		_, bits, err := xfrm.LookupAuth(tc.name, false, 0)
		if err != nil || bits != tc.bits {
			t.Errorf("%s: %d %v, want %d", tc.name, bits, err, tc.bits)
		}
	}
	if _, bits, _ := xfrm.LookupAuth("hmac(sha256)", true, 128); bits != 128 {
		t.Errorf("auth-trunc 128: %d", bits)
	}
}

func TestLifetimePackets(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	var events []xfrm.EventKind
	sad := xfrm.NewSAD(nil, clk, func(e xfrm.Event) { events = append(events, e.Kind) })
	c := gcmConfig()
	c.Lifetime = xfrm.LifetimeConfig{SoftPacketLimit: 2, HardPacketLimit: 3, SoftByteLimit: xfrm.Inf, HardByteLimit: xfrm.Inf}
	x, err := sad.NewState(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := sad.Add(x); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, d := x.OutputPrepare(100); d != nil {
			t.Fatalf("packet %d: %v", i, d)
		}
	}
	if fmt.Sprint(events) != "[1]" {
		t.Fatalf("events after 3 packets: %v", events)
	}
	if _, d := x.OutputPrepare(100); d != xfrm.DropFor(xfrm.OutStateExpired) {
		t.Fatalf("4th packet: %v", d)
	}
	if fmt.Sprint(events) != "[1 2]" || sad.Len() != 0 || x.KM() != xfrm.StateDead {
		t.Fatalf("after hard: events %v len %d km %d", events, sad.Len(), x.KM())
	}
	if sad.MIB().Get(xfrm.OutStateExpired) != 1 {
		t.Fatal("XfrmOutStateExpired not counted")
	}
	if l := x.Lifetime(); l.Packets != 3 || l.Bytes != 300 {
		t.Fatalf("lifetime %+v", l)
	}
}

func TestLifetimeTime(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	var events []xfrm.EventKind
	sad := xfrm.NewSAD(nil, clk, func(e xfrm.Event) { events = append(events, e.Kind) })
	c := gcmConfig()
	c.Lifetime = xfrm.DefaultLifetime()
	c.Lifetime.SoftAddExpires = 10 * time.Second
	c.Lifetime.HardAddExpires = 20 * time.Second
	c.Lifetime.HardUseExpires = 5 * time.Second
	x, _ := sad.NewState(c)
	_ = sad.Add(x)
	if next := sad.Tick(); !next.Equal(clk.t.Add(5 * time.Second)) { // hard use limit, not yet used
		t.Fatalf("next %v", next)
	}
	clk.advance(10 * time.Second)
	sad.Tick()
	if fmt.Sprint(events) != "[1]" || !x.Dying() {
		t.Fatalf("soft: %v", events)
	}
	// First use at t=10s: use-time hard limit 5 s later.
	if _, d := x.OutputPrepare(10); d != nil {
		t.Fatal(d)
	}
	clk.advance(4 * time.Second)
	sad.Tick()
	if sad.Len() != 1 {
		t.Fatal("expired too early")
	}
	clk.advance(time.Second)
	sad.Tick()
	if fmt.Sprint(events) != "[1 2]" || sad.Len() != 0 {
		t.Fatalf("hard: %v len %d", events, sad.Len())
	}
}

func TestSAD(t *testing.T) {
	sad := xfrm.NewSAD(nil, nil, nil)
	c := gcmConfig()
	c.Mark = xfrm.Mark{Value: 5, Mask: 0xff}
	x, _ := sad.NewState(c)
	if err := sad.Add(x); err != nil {
		t.Fatal(err)
	}
	if err := sad.Add(x); extack.ErrnoOf(err) != syscall.EEXIST {
		t.Fatalf("dup add: %v", err)
	}
	if sad.Lookup(dst, 0x100, xfrm.ProtoESP, 0x105) != x {
		t.Fatal("lookup with matching mark failed")
	}
	if sad.Lookup(dst, 0x100, xfrm.ProtoESP, 6) != nil {
		t.Fatal("lookup with other mark matched")
	}
	q := &xfrm.OutputQuery{Daddr: dst, Saddr: src, Reqid: 1, Proto: xfrm.ProtoESP, Mode: xfrm.ModeTunnel, Mark: 5}
	if sad.FindOutput(q) != x {
		t.Fatal("FindOutput failed")
	}
	q.Reqid = 2
	if sad.FindOutput(q) != nil {
		t.Fatal("FindOutput matched other reqid")
	}
	y, _ := sad.NewState(c)
	if err := sad.Update(y); err != nil || sad.Lookup(dst, 0x100, xfrm.ProtoESP, 5) != y {
		t.Fatalf("update: %v", err)
	}
	if err := sad.Delete(dst, 0x100, xfrm.ProtoESP, 5); err != nil {
		t.Fatal(err)
	}
	if err := sad.Delete(dst, 0x100, xfrm.ProtoESP, 5); extack.ErrnoOf(err) != syscall.ESRCH {
		t.Fatalf("second delete: %v", err)
	}
}

func TestMIBFormat(t *testing.T) {
	var m xfrm.MIB
	m.Inc(xfrm.InNoStates)
	s := m.Format()
	want := "XfrmInError             \t0\nXfrmInBufferError       \t0\nXfrmInHdrError          \t0\nXfrmInNoStates          \t1\n"
	if s[:len(want)] != want {
		t.Fatalf("got %q", s[:len(want)])
	}
	if len(m.Snapshot()) != 30 {
		t.Fatal("counter count")
	}
}

func fill(sad *xfrm.SAD, n int) {
	base := gcmConfig()
	for i := 0; i < n; i++ {
		c := base
		c.ID.SPI = uint32(0x1000 + i)
		c.ID.Daddr = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		c.Reqid = uint32(i)
		x, err := xfrm.NewState(c, xfrm.Options{})
		if err != nil {
			panic(err)
		}
		if err := sad.Add(x); err != nil {
			panic(err)
		}
	}
}

func BenchmarkSADLookup100k(b *testing.B) {
	sad := xfrm.NewSAD(nil, nil, nil)
	fill(sad, 100000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := i % 100000
		d := netip.AddrFrom4([4]byte{10, byte(k >> 16), byte(k >> 8), byte(k)})
		if sad.Lookup(d, uint32(0x1000+k), xfrm.ProtoESP, 0) == nil {
			b.Fatal("miss")
		}
	}
}

func BenchmarkSADFindOutput100k(b *testing.B) {
	sad := xfrm.NewSAD(nil, nil, nil)
	fill(sad, 100000)
	q := &xfrm.OutputQuery{Saddr: src, Proto: xfrm.ProtoESP, Mode: xfrm.ModeTunnel}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := i % 100000
		q.Daddr = netip.AddrFrom4([4]byte{10, byte(k >> 16), byte(k >> 8), byte(k)})
		q.Reqid = uint32(k)
		if sad.FindOutput(q) == nil {
			b.Fatal("miss")
		}
	}
}

func TestSADConcurrentReaders(t *testing.T) {
	sad := xfrm.NewSAD(nil, nil, nil)
	fill(sad, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 20000; i++ {
			k := i % 200
			d := netip.AddrFrom4([4]byte{10, 0, byte(k >> 8), byte(k)})
			if x := sad.Lookup(d, uint32(0x1000+k), xfrm.ProtoESP, 0); x != nil {
				_, _ = x.OutputPrepare(10)
			}
		}
	}()
	base := gcmConfig()
	for i := 100; i < 200; i++ {
		c := base
		c.ID.SPI = uint32(0x1000 + i)
		c.ID.Daddr = netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
		x, _ := xfrm.NewState(c, xfrm.Options{})
		_ = sad.Add(x)
		_ = sad.Delete(c.ID.Daddr, c.ID.SPI-50, xfrm.ProtoESP, 0)
	}
	<-done
}
