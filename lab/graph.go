package lab

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/softnet/softnet/iproute"
)

// Graph layout constants (SVG user units).
const (
	gBoxW, gBoxH = 120, 50
	gGap         = 120
	gMargin      = 40
	gTop         = 160
)

// Graph writes the lab's topology as an SVG drawing: hosts as boxes in a
// row (file order), links as lines (arcs between hosts that are not
// neighbours in the row) labelled with their device names, the addresses
// the scripts give them, the MTU and the impairments. The output is
// deterministic.
func Graph(l *Lab, w io.Writer) error {
	idx := map[string]int{}
	for i, h := range l.Hosts {
		idx[h.Name] = i
	}
	addrs := scriptAddrs(l)
	width := 2*gMargin + len(l.Hosts)*gBoxW + max(0, len(l.Hosts)-1)*gGap
	height := gTop + gBoxH + 60 + 16*maxAddrLines(addrs)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="16" font-weight="bold">%s</text>`+"\n", gMargin, esc(l.Name))
	for i, k := range l.Links {
		graphLink(&b, k, i, idx, addrs)
	}
	for i, h := range l.Hosts {
		x := hostX(i)
		fill := "#e8f0fe"
		if h.Forwarding {
			fill = "#fef7e0"
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="8" fill="%s" stroke="#333"/>`+"\n", x, gTop, gBoxW, gBoxH, fill)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="14" font-weight="bold">%s</text>`+"\n", x+gBoxW/2, gTop+gBoxH/2+5, esc(h.Name))
		if h.Forwarding {
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="10">router</text>`+"\n", x+gBoxW/2, gTop+gBoxH-6)
		}
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func hostX(i int) int { return gMargin + i*(gBoxW+gGap) }

func esc(s string) string { return html.EscapeString(s) }

// graphLink draws one link with its labels.
func graphLink(b *strings.Builder, k *Link, n int, idx map[string]int, addrs map[string][]string) {
	ia, ib := idx[k.A.Host], idx[k.B.Host]
	ya := gTop + gBoxH/2
	xa, xb := hostX(ia)+gBoxW, hostX(ib)
	if ia > ib {
		xa, xb = hostX(ia), hostX(ib)+gBoxW
	}
	midX, midY := (xa+xb)/2, ya
	switch d := ib - ia; {
	case d == 1 || d == -1:
		fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333" stroke-width="2"/>`+"\n", xa, ya, xb, ya)
	default:
		// arc above the row for hosts that are not neighbours (or a loop)
		xa, xb = hostX(ia)+gBoxW/2, hostX(ib)+gBoxW/2
		if ia == ib {
			xa, xb = hostX(ia)+gBoxW/4, hostX(ia)+3*gBoxW/4
		}
		lift := 40 + 12*n + 20*abs(ib-ia)
		midX, midY = (xa+xb)/2, gTop-lift/2
		fmt.Fprintf(b, `<path d="M %d %d Q %d %d %d %d" fill="none" stroke="#333" stroke-width="2"/>`+"\n", xa, gTop, midX, gTop-lift, xb, gTop)
	}
	var label []string
	if k.MTU != 0 {
		label = append(label, fmt.Sprintf("mtu %d", k.MTU))
	}
	if k.Impair != nil {
		if c := k.Impair.atob; c != nil {
			label = append(label, "→ "+netemShort(c.String()))
		}
		if c := k.Impair.btoa; c != nil {
			label = append(label, "← "+netemShort(c.String()))
		}
	}
	for i, s := range label {
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle" font-size="10" fill="#a50e0e">%s</text>`+"\n", midX, midY-8-12*(len(label)-1-i), esc(s))
	}
	end := func(e Endpoint, x int, anchor string) {
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="%s" font-size="11" fill="#174ea6">%s</text>`+"\n", x, ya+16, anchor, esc(e.Dev))
		for i, a := range addrs[e.String()] {
			fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle" font-size="10" fill="#555">%s %s</text>`+"\n",
				hostX(idx[e.Host])+gBoxW/2, gTop+gBoxH+16+16*i+addrOffset(addrs, e), esc(e.Dev), esc(a))
		}
	}
	anchorA, anchorB := "start", "end"
	if ia > ib {
		anchorA, anchorB = "end", "start"
	}
	end(k.A, xa+sign(ia, ib)*4, anchorA)
	end(k.B, xb-sign(ia, ib)*4, anchorB)
}

// addrOffset places a device's addresses below those of the host's
// earlier devices.
func addrOffset(addrs map[string][]string, e Endpoint) int {
	off := 0
	for _, key := range sortedKeys(addrs) {
		if key == e.String() {
			break
		}
		if strings.HasPrefix(key, e.Host+":") {
			off += 16 * len(addrs[key])
		}
	}
	return off
}

func maxAddrLines(addrs map[string][]string) int {
	per := map[string]int{}
	m := 0
	for k, v := range addrs {
		h, _, _ := strings.Cut(k, ":")
		per[h] += len(v)
		m = max(m, per[h])
	}
	return m
}

func sign(a, b int) int {
	if a > b {
		return -1
	}
	return 1
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// netemShort drops the default limit from a netem description.
func netemShort(s string) string {
	return strings.TrimSpace(strings.TrimPrefix(s, "limit 1000"))
}

// scriptAddrs finds "ip addr add ADDR dev DEV" lines in the scripts:
// "host:dev" → addresses, in script order.
func scriptAddrs(l *Lab) map[string][]string {
	out := map[string][]string{}
	for _, h := range l.Hosts {
		for _, line := range h.Script {
			words, err := iproute.SplitLine(line.Text)
			if err != nil || len(words) < 5 || words[0] != "ip" {
				continue
			}
			words = words[1:]
			for len(words) > 0 && strings.HasPrefix(words[0], "-") {
				words = words[1:]
			}
			if len(words) < 4 || !strings.HasPrefix("address", words[0]) || words[0] == "" || words[1] != "add" {
				continue
			}
			addr, dev := words[2], ""
			for i := 3; i+1 < len(words); i++ {
				if words[i] == "dev" {
					dev = words[i+1]
				}
			}
			if dev != "" {
				out[h.Name+":"+dev] = append(out[h.Name+":"+dev], addr)
			}
		}
	}
	return out
}
