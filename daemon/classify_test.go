package daemon

import (
	"encoding/json"
	"strings"
	"testing"
)

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadOnly(t *testing.T) {
	for _, tc := range []struct {
		line string
		ro   bool
	}{
		{"ip link show", true}, {"ip link", true}, {"ip -d -s link ls", true}, {"ip l", true},
		{"ip -n b addr show dev d0", true}, {"ip -j -p route list table all", true},
		{"ip r g 10.0.0.1", true}, {"ip route get 10.0.0.1", true}, {"ip neigh sh", true},
		{"ip -V", true}, {"ip", true}, {"ip link help", true}, {"ip netns list", true},
		{"ip xfrm state list", true}, {"ip xfrm state", true}, {"ip x p count", true},
		{"ip netns exec b ip link show", true}, {"tc qdisc show", true}, {"tc -s qdisc", true},
		{"tc filter show dev d0 ingress", true}, {"tc actions ls action mirred", true},
		{"sysctl net.ipv4.ip_forward", true},

		{"ip link add d0 type dummy", false}, {"ip l s d0 up", false}, {"ip link set d0 up", false},
		{"ip addr add 10.0.0.1/24 dev d0", false}, {"ip a flush dev d0", false},
		{"ip route del default", false}, {"ip netns add b", false}, {"ip -force -batch f", false},
		{"ip xfrm state add src 1.1.1.1", false}, {"ip netns exec b ip link set d0 up", false},
		{"tc qdisc add dev d0 clsact", false}, {"tc filter add dev d0 ingress matchall", false},
		{"sysctl -w net.ipv4.ip_forward=1", false}, {"ip link s", false},
	} {
		words := strings.Fields(tc.line)
		req := &Request{Cmd: words[0], Argv: words[1:]}
		if got := ReadOnly(req); got != tc.ro {
			t.Errorf("ReadOnly(%q) = %v, want %v", tc.line, got, tc.ro)
		}
	}
	for _, cmd := range []string{CmdLinkAdd, CmdLinkSet, CmdLinkDel} {
		if ReadOnly(&Request{Cmd: cmd}) {
			t.Errorf("%s is read-only", cmd)
		}
	}
}

// TestRedact: key material never reaches the logs.
func TestRedact(t *testing.T) {
	key := "0x0123456789abcdef0123456789abcdef01234567"
	for _, line := range []string{
		"ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 mode tunnel aead rfc4106(gcm(aes)) " + key + " 128",
		"ip x s add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 enc cbc(aes) " + key + " auth sha1 " + key,
		"ip -n b xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 auth-trunc hmac(sha256) " + key + " 96",
	} {
		words := strings.Fields(line)
		got := Redact(&Request{Cmd: words[0], Argv: words[1:]})
		if strings.Contains(got, key) || !strings.Contains(got, "[redacted]") {
			t.Errorf("Redact(%q) = %q", line, got)
		}
		if out := redactOutput(&Request{Cmd: words[0], Argv: words[1:]}, "Error: "+key); strings.Contains(out, key) {
			t.Errorf("output not redacted: %q", out)
		}
	}
	if got := Redact(&Request{Cmd: "ip", Argv: []string{"link", "show"}}); got != "ip link show" {
		t.Errorf("Redact = %q", got)
	}
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"cmd":"ip","argv":["link","show"],"netns":"b"}`))
	f.Add([]byte(`{"cmd":"link-add","link":{"ifname":"v0","kind":"veth","data":{"peer":{"ifname":"v1"}}}}`))
	f.Add([]byte(`{"cmd":"capture","dev":"v0","direction":"in","snaplen":96}`))
	f.Add([]byte(`{"cmd":`))
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := DecodeRequest(data)
		if err != nil {
			return
		}
		// A decoded request re-encodes and decodes to the same request.
		again, err := DecodeRequest(mustJSON(t, req))
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if string(mustJSON(t, again)) != string(mustJSON(t, req)) {
			t.Fatalf("round trip changed the request")
		}
		_ = ReadOnly(req)
		_ = Redact(req)
	})
}
