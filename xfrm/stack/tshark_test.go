package stack_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/pcap"
	"github.com/softnet/softnet/internal/topo"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/stack"
)

// tsharkAlg is one ESP algorithm pair as softnet configures it and as
// tshark's ESP dissector (Wireshark 4.0's esp_sa UAT) names it.
type tsharkAlg struct {
	name     string
	aead     *xfrm.AEADSpec
	crypt    *xfrm.AlgSpec
	auth     *xfrm.AuthSpec
	encName  string // tshark's encryption algorithm
	encKey   []byte // the key tshark takes (AEAD: key and salt)
	authName string // tshark's authentication algorithm
	authKey  []byte
	natt     bool // ESP in UDP 4500 (encap espinudp 4500 4500)
}

func seqKey(n int, start byte) []byte {
	k := make([]byte, n)
	for i := range k {
		k[i] = start + byte(i)
	}
	return k
}

func tsharkAlgs() []tsharkAlg {
	gcm128, gcm256 := seqKey(20, 0x10), seqKey(36, 0x40)
	cbc, sha256, sha1 := seqKey(16, 0x70), seqKey(32, 0x90), seqKey(20, 0xb0)
	return []tsharkAlg{
		{name: "aes-gcm-128", aead: &xfrm.AEADSpec{Name: "rfc4106(gcm(aes))", Key: gcm128, ICVBits: 128},
			encName: "AES-GCM with 16 octet ICV [RFC4106]", encKey: gcm128, authName: "NULL"},
		{name: "aes-gcm-256", aead: &xfrm.AEADSpec{Name: "rfc4106(gcm(aes))", Key: gcm256, ICVBits: 128},
			encName: "AES-GCM with 16 octet ICV [RFC4106]", encKey: gcm256, authName: "NULL"},
		{name: "aes-cbc-hmac-sha256-128", crypt: &xfrm.AlgSpec{Name: "cbc(aes)", Key: cbc},
			auth:    &xfrm.AuthSpec{Name: "hmac(sha256)", Key: sha256, Trunc: true, TruncBits: 128},
			encName: "AES-CBC [RFC3602]", encKey: cbc, authName: "HMAC-SHA-256-128 [RFC4868]", authKey: sha256},
		{name: "aes-gcm-128-espinudp", aead: &xfrm.AEADSpec{Name: "rfc4106(gcm(aes))", Key: gcm128, ICVBits: 128},
			encName: "AES-GCM with 16 octet ICV [RFC4106]", encKey: gcm128, authName: "NULL", natt: true},
		{name: "null-hmac-sha1-96", crypt: &xfrm.AlgSpec{Name: "ecb(cipher_null)"},
			auth:    &xfrm.AuthSpec{Name: "hmac(sha1)", Key: sha1},
			encName: "NULL", authName: "HMAC-SHA-1-96 [RFC2404]", authKey: sha1},
	}
}

// pcapTap writes every frame a device sees to a pcapng file.
type pcapTap struct {
	w    *pcap.Writer
	loop *netdev.SimLoop
}

func (p *pcapTap) Tap(d *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
	_ = p.w.WritePacket(p.loop.Now(), b.Bytes(), dir)
}

// TestTsharkDecryptsESP runs pings and UDP datagrams through the
// site-to-site tunnel for each algorithm tshark's ESP dissector knows,
// captures the underlay, and has tshark decrypt the capture with the
// keys: the inner packets it finds must be the ones sent.
func TestTsharkDecryptsESP(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark is not installed (apt-get install tshark): cannot check ESP decryption independently")
	}
	for _, a := range tsharkAlgs() {
		t.Run(a.name, func(t *testing.T) { tsharkDecrypt(t, tshark, a) })
	}
}

func tsharkDecrypt(t *testing.T, tshark string, a tsharkAlg) {
	tp := site(t)
	tunnelGateways(t, tp, gwOpts{aead: a.aead, crypt: a.crypt, auth: a.auth})
	if a.natt {
		encapUDP(t, tp, "gwa", "gwb")
	}

	dir := t.TempDir()
	capFile := filepath.Join(dir, "underlay.pcapng")
	f, err := os.Create(capFile)
	if err != nil {
		t.Fatal(err)
	}
	dev := tp.Dev("r:e0")
	w, err := pcap.NewWriter(f, pcap.Interface{Name: "r:e0", LinkType: pcap.LinkType(dev)})
	if err != nil {
		t.Fatal(err)
	}
	dev.AddTap(&pcapTap{w: w, loop: tp.Loop})

	// Three pings, then three UDP datagrams hA → hB.
	replies := 0
	for _, e := range tp.Ping("ha", "203.0.113.130", inet.EchoOpts{}, 3) {
		if e.Reply {
			replies++
		}
	}
	if replies != 3 {
		t.Fatalf("ping replies = %d, want 3", replies)
	}
	sendUDP(t, tp)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	run := func(filter string, fields ...string) []string {
		t.Helper()
		args := []string{"-n", "-r", capFile,
			"-o", "esp.enable_encryption_decode:TRUE",
			"-o", "esp.enable_authentication_check:TRUE"}
		for _, sa := range tsharkSAs(a) {
			args = append(args, "-o", "uat:esp_sa:"+sa)
		}
		args = append(args, "-Y", filter, "-T", "fields")
		for _, fl := range fields {
			args = append(args, "-e", fl)
		}
		cmd := exec.Command(tshark, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cmd.Env = append(os.Environ(), "HOME="+dir) // no user preferences
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tshark %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return strings.Fields(string(out))
	}
	// Every underlay frame is ESP, and tshark finds the ICMP echo
	// requests and replies (seq 1..3 each) and the datagrams inside.
	all, esp := run("ip", "frame.number"), run("esp", "frame.number")
	if len(all) != 9 || !slices.Equal(all, esp) {
		t.Errorf("underlay frames %v, ESP frames %v; want 9 (6 ICMP, 3 UDP), all ESP", all, esp)
	}
	if a.natt {
		if enc := run("udp.srcport == 4500 && udp.dstport == 4500 && udpencap && esp", "frame.number"); !slices.Equal(enc, all) {
			t.Errorf("ESP in UDP 4500 in frames %v, want all %v", enc, all)
		}
	}
	icmp := run("icmp && ip.src == 203.0.113.2 && esp", "icmp.type", "icmp.seq")
	if want := []string{"8", "1", "8", "2", "8", "3"}; !slices.Equal(icmp, want) {
		t.Errorf("tshark decrypted echo requests %v, want type/seq %v", icmp, want)
	}
	rep := run("icmp && ip.src == 203.0.113.130", "icmp.type", "icmp.seq")
	if want := []string{"0", "1", "0", "2", "0", "3"}; !slices.Equal(rep, want) {
		t.Errorf("tshark decrypted echo replies %v, want type/seq %v", rep, want)
	}
	udp := run("udp.dstport == 5001", "data.data")
	if want := []string{hex.EncodeToString([]byte("softnet-0")), hex.EncodeToString([]byte("softnet-1")), hex.EncodeToString([]byte("softnet-2"))}; !slices.Equal(udp, want) {
		t.Errorf("tshark decrypted UDP payloads %v, want %v", udp, want)
	}
	if a.authName != "NULL" {
		if good := run("esp.icv_good == 1", "frame.number"); !slices.Equal(good, esp) {
			t.Errorf("tshark verified the ICV of frames %v, want all ESP frames %v", good, esp)
		}
	}
}

// tsharkSAs returns the esp_sa UAT records (Wireshark 4.0: protocol, src,
// dst, SPI, encryption, key, authentication, key) for both directions.
func tsharkSAs(a tsharkAlg) []string {
	key := func(k []byte) string {
		if len(k) == 0 {
			return ""
		}
		return "0x" + hex.EncodeToString(k)
	}
	rec := func(src, dst string, spi uint32) string {
		return fmt.Sprintf("%q,%q,%q,%q,%q,%q,%q,%q", "IPv4", src, dst, fmt.Sprintf("0x%08x", spi),
			a.encName, key(a.encKey), a.authName, key(a.authKey))
	}
	return []string{rec("192.0.2.1", "198.51.100.2", 0x1000), rec("198.51.100.2", "192.0.2.1", 0x2000)}
}

// encapUDP re-adds the gateways' SAs as ESP in UDP 4500 (ip xfrm state
// add … encap espinudp 4500 4500 0.0.0.0).
func encapUDP(t *testing.T, tp *topo.Topo, gws ...string) {
	t.Helper()
	for _, gw := range gws {
		ns := tp.NS(gw)
		n := xfrm.ForNamespace(ns)
		for _, x := range n.SAD.Dump() {
			c := x.Config()
			c.Encap = &xfrm.Encap{Type: xfrm.EncapESPInUDP, Sport: 4500, Dport: 4500, OAddr: netip.IPv4Unspecified()}
			if err := n.DeleteState(x); err != nil {
				t.Fatal(err)
			}
			if _, err := stack.AddState(ns, c, false); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func sendUDP(t *testing.T, tp *topo.Topo) {
	t.Helper()
	var got []string
	srv, err := inet.ListenUDP(tp.NS("hb"), netip.MustParseAddrPort("203.0.113.130:5001"),
		func(_, _ netip.AddrPort, p []byte) { got = append(got, string(p)) })
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cli, err := inet.ListenUDP(tp.NS("ha"), netip.MustParseAddrPort("203.0.113.2:5000"), func(_, _ netip.AddrPort, _ []byte) {})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	for i := range 3 {
		if err := cli.SendTo(netip.MustParseAddrPort("203.0.113.130:5001"), fmt.Appendf(nil, "softnet-%d", i), inet.UDPOpts{}); err != nil {
			t.Fatal(err)
		}
		tp.Run()
	}
	if len(got) != 3 {
		t.Fatalf("hb received %q, want 3 datagrams", got)
	}
}
