package fib

import (
	"net/netip"
	"slices"
	"testing"
)

func TestWalkOrder(t *testing.T) {
	tests := []struct {
		name   string
		insert []string
		want   []string
	}{
		{
			name:   "ipv4 same address longer first",
			insert: []string{"198.51.100.0/25", "198.51.100.64/26", "198.51.100.0/28", "0.0.0.0/0", "198.51.100.0/24", "203.0.113.0/24", "198.51.100.0/32"},
			want:   []string{"0.0.0.0/0", "198.51.100.0/32", "198.51.100.0/28", "198.51.100.0/25", "198.51.100.0/24", "198.51.100.64/26", "203.0.113.0/24"},
		},
		{
			name:   "ipv4 default with 0.0.0.0 host",
			insert: []string{"0.0.0.0/0", "0.0.0.0/32", "0.0.0.0/1", "128.0.0.0/1"},
			want:   []string{"0.0.0.0/32", "0.0.0.0/1", "0.0.0.0/0", "128.0.0.0/1"},
		},
		{
			name:   "ipv6 post-order",
			insert: []string{"::/0", "2001:db8::/32", "2001:db8::/48", "2001:db8:1::/48", "fe80::/64", "::1/128"},
			want:   []string{"::1/128", "2001:db8::/48", "2001:db8:1::/48", "2001:db8::/32", "fe80::/64", "::/0"},
		},
		{
			name:   "ipv4 before ipv6",
			insert: []string{"::/0", "0.0.0.0/0", "ff00::/8", "255.255.255.255/32"},
			want:   []string{"0.0.0.0/0", "255.255.255.255/32", "ff00::/8", "::/0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tbl Table[int]
			for i, s := range tt.insert {
				tbl.Insert(mustPrefix(s), i)
			}
			var got []string
			tbl.Walk(func(p netip.Prefix, _ int) bool {
				got = append(got, p.String())
				return true
			})
			if !slices.Equal(got, tt.want) {
				t.Errorf("Walk order\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestWalkStops(t *testing.T) {
	var tbl Table[int]
	g := newGen(3)
	for i := range 300 {
		tbl.Insert(g.prefix(), i)
	}
	all := slices.Collect(func(yield func(netip.Prefix) bool) {
		for p := range tbl.All() {
			if !yield(p) {
				return
			}
		}
	})
	for stop := range len(all) {
		n := 0
		tbl.Walk(func(netip.Prefix, int) bool {
			n++
			return n <= stop
		})
		if n != stop+1 {
			t.Fatalf("Walk continued after false: %d calls, want %d", n, stop+1)
		}
	}
}
