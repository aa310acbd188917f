package iproute

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/softnet/softnet/macvlan/macvtap"
)

func TestParseTaphost(t *testing.T) {
	off := false
	tests := []struct {
		args string
		want any
		err  string
	}{
		{"", &macvtap.HostTAPData{}, ""},
		{"host-name vmtap0 vnet_hdr off offload off", &macvtap.HostTAPData{HostName: "vmtap0", VnetHdr: &off, Offload: &off}, ""},
		{"host-name a/b", nil, "not a valid ifname"},
		{"host-name 0123456789abcdef", nil, "not a valid ifname"},
		{"offload maybe", nil, `"offload" must be "on" or "off"`},
		{"vnet_hdr on vnet_hdr off", nil, `duplicate "vnet_hdr"`},
		{"host-name", nil, "Command line is not complete"},
		{"queues 2", nil, `taphost: unknown option "queues"?`},
		{"help", nil, "Usage: ip link add NAME link MACVTAP type taphost"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got, err := parseTaphost(strings.Fields(tt.args))
			if tt.err != "" {
				if err == nil || !strings.Contains(hostErrText(err), tt.err) {
					t.Fatalf("err = %v (%q), want %q", err, hostErrTextOrEmpty(err), tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
}

func hostErrTextOrEmpty(err error) string {
	if err == nil {
		return ""
	}
	return hostErrText(err)
}

func FuzzTaphostArgs(f *testing.F) {
	f.Add("host-name vmtap0 vnet_hdr on offload off")
	f.Add("offload")
	f.Fuzz(func(t *testing.T, args string) {
		data, err := parseTaphost(strings.Fields(args))
		if err == nil && data == nil {
			t.Fatal("nil data without error")
		}
	})
}
