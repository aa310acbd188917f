package xfrm

import (
	"net/netip"
	"syscall"
	"testing"

	"github.com/softnet/softnet/extack"
)

func sel4(src, dst string) Selector {
	s := Selector{Family: 4}
	if src != "" {
		s.Saddr = netip.MustParsePrefix(src)
	}
	if dst != "" {
		s.Daddr = netip.MustParsePrefix(dst)
	}
	return s
}

func TestPolicyIndexExact(t *testing.T) {
	spd := NewSPD(nil, nil)
	var got []uint32

	for i, d := range []PolicyDir{PolicyOut, PolicyIn, PolicyFwd, PolicyOut, PolicyOut, PolicyOut} {
		p, err := spd.Add(PolicyConfig{Selector: sel4("10.0.0.0/8", ""), Dir: d, Mark: Mark{uint32(i), 0xff}})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.Index())
	}
	want := []uint32{1, 8, 18, 25, 33, 41}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("indexes %v, want %v", got, want)
		}
	}
	// A requested index is used when free and must match the direction.
	if p, err := spd.Add(PolicyConfig{Selector: sel4("", ""), Dir: PolicyOut, Index: 0x101}); err != nil || p.Index() != 0x101 {
		t.Errorf("requested index: %v %v", p, err)
	}
	if _, err := spd.Add(PolicyConfig{Selector: sel4("1.0.0.0/8", ""), Dir: PolicyOut, Index: 0x100}); extack.MessageOf(err) != "Policy index doesn't match direction" {
		t.Errorf("index/dir mismatch: %v", err)
	}
}

func TestPolicyLookupOrder(t *testing.T) {
	type pol struct {
		sel  Selector
		prio uint32
		mark Mark
		ifID uint32
		typ  PolicyType
		name string
	}
	tcp := sel4("10.1.0.0/16", "10.2.0.0/16")
	tcp.Proto, tcp.Dport, tcp.DportMask = 6, 443, 0xffff
	icmp := sel4("", "")
	icmp.Proto, icmp.Sport, icmp.SportMask = 1, 8, 0xffff // type 8
	policies := []pol{
		{sel: sel4("10.1.0.0/16", "10.2.0.0/16"), prio: 100, name: "wide"},
		{sel: sel4("10.1.1.0/24", "10.2.0.0/16"), prio: 200, name: "narrow-low-prio"},
		{sel: tcp, prio: 50, name: "https"},
		{sel: sel4("10.1.0.0/16", "10.2.0.0/16"), prio: 10, mark: Mark{7, 0xff}, name: "marked"},
		{sel: sel4("10.1.0.0/16", "10.2.0.0/16"), prio: 10, ifID: 3, name: "ifid"},
		{sel: icmp, prio: 5, name: "echo-request"},
		{sel: sel4("", "10.9.0.0/16"), prio: 1000, typ: PolicyTypeSub, name: "sub"},
		{sel: sel4("", "10.9.0.0/16"), prio: 0, name: "main-10.9"},
		{sel: sel4("10.1.7.7/32", "10.2.7.7/32"), prio: 300, name: "exact-low-prio"},
		{sel: sel4("10.1.8.8/32", "10.2.8.8/32"), prio: 1, name: "exact-high-prio"},
		{sel: sel4("10.1.8.8/32", "10.2.8.8/32"), prio: 1, mark: Mark{1, 1}, name: "exact-marked"},
	}
	spd := NewSPD(nil, nil)
	names := map[*Policy]string{}
	for _, p := range policies {
		got, err := spd.Add(PolicyConfig{Selector: p.sel, Dir: PolicyOut, Priority: p.prio, Mark: p.mark, IfID: p.ifID, Type: p.typ})
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		names[got] = p.name
	}
	a := netip.MustParseAddr
	tests := []struct {
		name string
		f    Flow
		ifID uint32
		want string
	}{
		{"wide", Flow{Saddr: a("10.1.2.3"), Daddr: a("10.2.0.1"), Proto: 17}, 0, "wide"},
		{"priority beats specificity", Flow{Saddr: a("10.1.1.3"), Daddr: a("10.2.0.1"), Proto: 17}, 0, "wide"},
		{"port selector", Flow{Saddr: a("10.1.1.3"), Daddr: a("10.2.0.1"), Proto: 6, Dport: 443}, 0, "https"},
		{"other port", Flow{Saddr: a("10.1.1.3"), Daddr: a("10.2.0.1"), Proto: 6, Dport: 80}, 0, "wide"},
		{"mark", Flow{Saddr: a("10.1.1.3"), Daddr: a("10.2.0.1"), Mark: 0x107}, 0, "marked"},
		{"if_id", Flow{Saddr: a("10.1.1.3"), Daddr: a("10.2.0.1")}, 3, "ifid"},
		{"icmp type", Flow{Saddr: a("10.1.1.3"), Daddr: a("10.2.0.1"), Proto: 1, Sport: 8}, 0, "echo-request"},
		{"icmp other type", Flow{Saddr: a("10.1.1.3"), Daddr: a("10.2.0.1"), Proto: 1, Sport: 0}, 0, "wide"},
		{"sub before main", Flow{Saddr: a("1.1.1.1"), Daddr: a("10.9.0.1")}, 0, "sub"},
		{"exact ranks after wide", Flow{Saddr: a("10.1.7.7"), Daddr: a("10.2.7.7"), Proto: 17}, 0, "wide"},
		{"exact ranks first", Flow{Saddr: a("10.1.8.8"), Daddr: a("10.2.8.8"), Proto: 17}, 0, "exact-high-prio"},
		{"mask 0 matches any mark, older first", Flow{Saddr: a("10.1.8.8"), Daddr: a("10.2.8.8"), Proto: 17, Mark: 1}, 0, "exact-high-prio"},
		{"no match", Flow{Saddr: a("1.1.1.1"), Daddr: a("8.8.8.8")}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := spd.Lookup(PolicyOut, 4, &tt.f, tt.ifID)
			if got := names[p]; got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if p := spd.Lookup(PolicyOut, 6, &Flow{Saddr: a("2001:db8::1"), Daddr: a("2001:db8::2")}, 0); p != nil {
		t.Errorf("IPv6 flow matched %q", names[p])
	}
	if n := testing.AllocsPerRun(100, func() { spd.Lookup(PolicyOut, 4, &tests[0].f, 0) }); n != 0 {
		t.Errorf("Lookup allocates %v", n)
	}
}

func TestPolicyErrors(t *testing.T) {
	tmpl := Tmpl{Proto: ProtoESP, Mode: ModeTunnel}
	tests := []struct {
		name  string
		c     PolicyConfig
		errno syscall.Errno
		msg   string
	}{
		{"bad action", PolicyConfig{Selector: sel4("", ""), Action: 2}, syscall.EINVAL, "Invalid policy action"},
		{"bad dir", PolicyConfig{Selector: sel4("", ""), Dir: 3}, syscall.EINVAL, "Invalid policy direction"},
		{"no family", PolicyConfig{}, syscall.EINVAL, "Invalid selector family"},
		{"bad tmpl mode", PolicyConfig{Selector: sel4("", ""), Tmpls: []Tmpl{{Proto: ProtoESP, Mode: 9}}}, syscall.EINVAL, "Mode in template must be < XFRM_MODE_MAX (5)"},
		{"bad tmpl proto", PolicyConfig{Selector: sel4("", ""), Tmpls: []Tmpl{{Proto: 17}}}, syscall.EINVAL, "Invalid XFRM protocol in template"},
		{"too deep", PolicyConfig{Selector: sel4("", ""), Tmpls: []Tmpl{tmpl, tmpl, tmpl, tmpl, tmpl, tmpl, tmpl}}, syscall.EINVAL, "Template count must be <= XFRM_MAX_DEPTH (6)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewSPD(nil, nil).Add(tt.c)
			if extack.ErrnoOf(err) != tt.errno || extack.MessageOf(err) != tt.msg {
				t.Errorf("err = %v (%v), want %v %q", err, extack.ErrnoOf(err), tt.errno, tt.msg)
			}
		})
	}
	spd := NewSPD(nil, nil)
	c := PolicyConfig{Selector: sel4("10.0.0.0/8", ""), Dir: PolicyIn}
	p, err := spd.Add(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := spd.Add(c); extack.ErrnoOf(err) != syscall.EEXIST {
		t.Errorf("duplicate: %v", err)
	}
	c.Priority = 5
	q, err := spd.Update(c)
	if err != nil || q.Index() != p.Index() || !p.Dead() || spd.Count(PolicyIn) != 1 {
		t.Errorf("update: %v, index %d→%d, old dead %v", err, p.Index(), q.Index(), p.Dead())
	}
	if err := spd.Delete(PolicyKey{Dir: PolicyIn, Selector: sel4("11.0.0.0/8", "")}); extack.ErrnoOf(err) != syscall.ENOENT {
		t.Errorf("delete absent: %v", err)
	}
	if _, err := spd.Get(PolicyKey{Index: q.Index(), Dir: PolicyOut}); extack.ErrnoOf(err) != syscall.ENOENT {
		t.Errorf("get by index with the wrong dir: %v", err)
	}
	spd.SetDefault(PolicyOut, true)
	if spd.Empty(PolicyOut) || !spd.DefaultBlock(PolicyOut) {
		t.Error("default block not reported")
	}
	spd.Flush(PolicyTypeMain)
	if spd.Count(PolicyIn) != 0 {
		t.Error("flush left policies")
	}
}

// TestPolicyZeroPrefixIdentity: a policy added without addresses is the
// one `src 0.0.0.0/0 dst 0.0.0.0/0` names (Linux stores both as zero
// address, prefix length 0): Get and Delete find it, Add of the other
// spelling is EEXIST.
func TestPolicyZeroPrefixIdentity(t *testing.T) {
	for _, tc := range []struct{ added, named Selector }{
		{sel4("", ""), sel4("0.0.0.0/0", "0.0.0.0/0")},
		{sel4("0.0.0.0/0", ""), sel4("", "0.0.0.0/0")},
		{Selector{Family: 6}, Selector{Family: 6, Saddr: netip.MustParsePrefix("::/0"), Daddr: netip.MustParsePrefix("::/0")}},
	} {
		spd := NewSPD(nil, nil)
		if _, err := spd.Add(PolicyConfig{Selector: tc.added, Dir: PolicyOut}); err != nil {
			t.Fatal(err)
		}
		if _, err := spd.Add(PolicyConfig{Selector: tc.named, Dir: PolicyOut}); extack.ErrnoOf(err) != syscall.EEXIST {
			t.Errorf("%v then %v: add %v, want EEXIST", tc.added, tc.named, err)
		}
		k := PolicyKey{Selector: tc.named, Dir: PolicyOut}
		if _, err := spd.Get(k); err != nil {
			t.Errorf("get %v: %v", tc.named, err)
		}
		if err := spd.Delete(k); err != nil {
			t.Errorf("delete %v: %v", tc.named, err)
		}
	}
	// A different prefix is a different policy.
	spd := NewSPD(nil, nil)
	spd.Add(PolicyConfig{Selector: sel4("", ""), Dir: PolicyOut})
	if _, err := spd.Get(PolicyKey{Selector: sel4("198.51.100.0/24", "0.0.0.0/0"), Dir: PolicyOut}); err == nil {
		t.Error("198.51.100.0/24 found the any-address policy")
	}
}
