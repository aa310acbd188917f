package stack_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/softnet/softnet/lab"
)

// TestSiteToSiteLab runs examples/ipsec-site-to-site.yaml and checks that
// the underlay capture holds only ESP between the gateways (besides ARP and neighbour discovery).
func TestSiteToSiteLab(t *testing.T) {
	l, err := lab.Load("../../examples/ipsec-site-to-site.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var out bytes.Buffer
	res, err := l.Run(context.Background(), lab.RunOptions{Stdout: &out, OutDir: dir})
	if err != nil || !res.Passed() {
		t.Fatalf("lab failed (%v):\n%s", err, out.String())
	}
	f, err := os.Open(filepath.Join(dir, "ipsec-site-to-site", "r-eth1.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	esp, other := 0, 0
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		if len(data) < 14 {
			other++
			continue
		}
		switch et := uint16(data[12])<<8 | uint16(data[13]); {
		case et == 0x0806, et == 0x86dd && len(data) >= 54 && data[14+6] == 58:
			// ARP and ICMPv6 (neighbour discovery, DAD) are link control.
		case et == 0x0800 && len(data) >= 34 && data[14+9] == 50:
			esp++
		default:
			other++
			t.Errorf("non-ESP frame on the underlay: ethertype %#04x % x", et, data[:min(len(data), 40)])
		}
	}
	if esp != 316 || other != 0 {
		t.Errorf("underlay: %d ESP packets, %d others", esp, other)
	}
}
