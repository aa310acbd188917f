package e2e_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"
	"github.com/softnet/softnet/lab"
)

// runLab runs an example lab into a temporary directory and returns it.
func runLab(t *testing.T, name string) string {
	t.Helper()
	l, err := lab.Load(filepath.Join("..", "..", "examples", name))
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

// readPcapng returns a capture's frames in order.
func readPcapng(t *testing.T, path string) [][]byte {
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
	var out [][]byte
	for {
		data, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, bytes.Clone(data))
	}
}

// TestSpanLab: every frame the gateway's uplink received or sent reaches
// the monitoring host byte for byte, in the same order, and nothing else.
func TestSpanLab(t *testing.T) {
	dir := runLab(t, "tc-span.yaml")
	uplink := readPcapng(t, filepath.Join(dir, "gw-uplink.pcapng"))
	mon := readPcapng(t, filepath.Join(dir, "mon.pcapng"))
	if len(uplink) < 60 {
		t.Fatalf("only %d uplink frames", len(uplink))
	}
	if len(mon) != len(uplink) {
		t.Errorf("monitor saw %d frames, uplink %d", len(mon), len(uplink))
	}
	for i := range min(len(mon), len(uplink)) {
		if !bytes.Equal(mon[i], uplink[i]) {
			t.Fatalf("frame %d differs:\nuplink  %x\nmonitor %x", i, uplink[i], mon[i])
		}
	}
}

// TestRspanLab: the collector's tunnel delivers exactly the IPv4 packets
// host a sent into the mirrored port, byte for byte (the Ethernet header
// stripped by mirred for the headerless tunnel).
func TestRspanLab(t *testing.T) {
	dir := runLab(t, "tc-rspan-ipip.yaml")
	sent := readPcapng(t, filepath.Join(dir, "a-eth0.pcapng"))
	got := readPcapng(t, filepath.Join(dir, "coll-t0.pcapng"))
	var want [][]byte
	for _, f := range sent {
		if len(f) > 14 && f[12] == 0x08 && f[13] == 0x00 {
			want = append(want, f[14:])
		}
	}
	if len(want) < 5 || len(got) != len(want) {
		t.Fatalf("collector got %d packets, a sent %d IPv4 packets", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("packet %d differs:\nsent      %x\ncollected %x", i, want[i], got[i])
		}
	}
}
