package vti_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/softnet/softnet/lab"
)

// runLab runs an example lab and returns its output directory.
func runLab(t *testing.T, name string) string {
	t.Helper()
	l, err := lab.Load("../../examples/" + name + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var out bytes.Buffer
	res, err := l.Run(context.Background(), lab.RunOptions{Stdout: &out, OutDir: dir})
	if err != nil || !res.Passed() {
		t.Fatalf("lab failed (%v):\n%s", err, out.String())
	}
	return dir
}

// underlayOnlyESP checks that a capture of an underlay link holds only ESP
// (besides ARP and ICMPv6 link control) and returns the ESP count.
func underlayOnlyESP(t *testing.T, path string) int {
	t.Helper()
	return underlayOnly(t, path, false)
}

// underlayOnly counts the ESP packets in a capture (in UDP port 4500 when
// natt is set) and reports any other frame but ARP and ICMPv6.
func underlayOnly(t *testing.T, path string, natt bool) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	esp := 0
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		if len(data) < 14 {
			t.Errorf("runt frame % x", data)
			continue
		}
		switch et := uint16(data[12])<<8 | uint16(data[13]); {
		case et == 0x0806, et == 0x86dd && len(data) >= 54 && data[14+6] == 58:
		case !natt && et == 0x0800 && len(data) >= 34 && data[14+9] == 50:
			esp++
		case natt && et == 0x0800 && len(data) >= 42 && data[14+9] == 17 &&
			data[14+20+2] == 0x11 && data[14+20+3] == 0x94: // UDP to 4500
			esp++
		default:
			t.Errorf("non-ESP (natt %v) frame on the underlay: ethertype %#04x % x", natt, et, data[:min(len(data), 40)])
		}
	}
	return esp
}

// TestSiteToSiteLabs runs the vti and xfrm interface site-to-site labs
// and checks that the underlay between r and gwb carries only ESP.
func TestSiteToSiteLabs(t *testing.T) {
	for _, name := range []string{"vti-site-to-site", "xfrmi-site-to-site"} {
		t.Run(name, func(t *testing.T) {
			dir := runLab(t, name)
			if n := underlayOnlyESP(t, filepath.Join(dir, name, "r-eth1.pcapng")); n != 2*(5+3+2)+200+100 {
				t.Errorf("%d ESP packets", n)
			}
		})
	}
}

// TestNATTLab runs examples/vti-natt.yaml: the router drops plain ESP, so
// everything the gateways exchange is ESP in UDP port 4500.
func TestNATTLab(t *testing.T) {
	dir := runLab(t, "vti-natt")
	if n := underlayOnly(t, filepath.Join(dir, "vti-natt", "r-eth1.pcapng"), true); n != 2*(5+3+2)+200+100 {
		t.Errorf("%d ESP-in-UDP packets", n)
	}
}

// TestPMTULab runs examples/vti-pmtu.yaml (pmtu.sh's pmtu_vti4_exception).
func TestPMTULab(t *testing.T) {
	dir := runLab(t, "vti-pmtu")
	if n := underlayOnlyESP(t, filepath.Join(dir, "vti-pmtu", "b-veth_b.pcapng")); n == 0 {
		t.Error("no ESP on the underlay")
	}
}
