package iproute

import (
	"fmt"
	"io"

	"github.com/softnet/softnet/xfrm"
)

// printAcquire is xfrm_monitor.c's xfrm_acquire_print: the template's
// protocol (and SPI when it names one, or always under -s), the flow's
// selector, the policy that asked with the "  policy " title and a
// four-space prefix, and under -s the larval state's sequence number and
// the template's algorithm masks. The closing line separator is always
// printed, so a plain ACQUIRE ends with an empty line, as in iproute2.
//
// iproute2 prints the sequence number with "0x%08u": decimal digits,
// zero-padded, behind a hexadecimal prefix. It is reproduced as is.
func (c *Cmd) printAcquire(w io.Writer, m *xfrm.Msg) {
	st := c.Opts.Stats > 0
	fmt.Fprintf(w, "acquire proto %s ", m.Tmpl.Proto)
	if st || m.Tmpl.SPI != 0 {
		fmt.Fprintf(w, "spi 0x%08x", m.Tmpl.SPI)
		if st {
			fmt.Fprintf(w, "(%d)", m.Tmpl.SPI)
		}
		fmt.Fprint(w, " ")
	}
	fmt.Fprint(w, "\n")
	family := m.Selector.Family
	if family == 0 && m.Policy != nil {
		family = m.Policy.Cfg().Selector.Family
	}
	xfrmSelectorPrint(c, w, &m.Selector, family, "  sel ")
	if m.Policy != nil {
		c.printPolicyPrefixed(w, m.Policy, "  policy ", "    ")
	}
	if st {
		fmt.Fprintf(w, "  seq 0x%08d ", m.Seq)
		fmt.Fprintf(w, "enc-mask %08x auth-mask %08x comp-mask %08x",
			m.Tmpl.EAlgos, m.Tmpl.AAlgos, m.Tmpl.CAlgos)
	}
	fmt.Fprint(w, "\n")
}
