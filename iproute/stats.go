package iproute

import (
	"fmt"
	"strings"

	"github.com/softnet/softnet/netdev"
)

// printStats is print_link_stats64 (-s; -s -s adds the error rows).
func (c *Cmd) printStats(d *netdev.Device) {
	s := d.Stats.Snapshot()
	cc := uint64(d.CarrierChanges())
	if c.Out.JSON() {
		c.statsJSON(&s, cc)
		return
	}
	c.statsText(&s, cc)
}

func (c *Cmd) statsJSON(s *netdev.StatsSnapshot, cc uint64) {
	p := c.Out
	ext := c.Opts.Stats > 1
	p.OpenObject("stats64")
	p.OpenObject("rx")
	for _, kv := range []struct {
		k string
		v uint64
	}{{"bytes", s.RxBytes}, {"packets", s.RxPackets}, {"errors", s.RxErrors},
		{"dropped", s.RxDropped}, {"over_errors", s.RxOverErrors}, {"multicast", s.Multicast}} {
		p.JSONUint(kv.k, kv.v)
	}
	if s.RxCompressed != 0 {
		p.JSONUint("compressed", s.RxCompressed)
	}
	if ext {
		p.JSONUint("length_errors", s.RxLengthErrors)
		p.JSONUint("crc_errors", s.RxCRCErrors)
		p.JSONUint("frame_errors", s.RxFrameErrors)
		p.JSONUint("fifo_errors", s.RxFIFOErrors)
		p.JSONUint("missed_errors", s.RxMissedErrors)
		if s.RxNoHandler != 0 {
			p.JSONUint("nohandler", s.RxNoHandler)
		}
		if s.RxOtherhostDropped != 0 {
			p.JSONUint("otherhost", s.RxOtherhostDropped)
		}
	}
	p.CloseObject()
	p.OpenObject("tx")
	for _, kv := range []struct {
		k string
		v uint64
	}{{"bytes", s.TxBytes}, {"packets", s.TxPackets}, {"errors", s.TxErrors},
		{"dropped", s.TxDropped}, {"carrier_errors", s.TxCarrierErrors}, {"collisions", s.Collisions}} {
		p.JSONUint(kv.k, kv.v)
	}
	if s.TxCompressed != 0 {
		p.JSONUint("compressed", s.TxCompressed)
	}
	if ext {
		p.JSONUint("aborted_errors", s.TxAbortedErrors)
		p.JSONUint("fifo_errors", s.TxFIFOErrors)
		p.JSONUint("window_errors", s.TxWindowErrors)
		p.JSONUint("heartbeat_errors", s.TxHeartbeatErrors)
		p.JSONUint("carrier_changes", cc)
	}
	p.CloseObject()
	p.CloseObject()
}

// statCols are the column widths of the -s table (size_columns).
type statCols [8]int

func (cols *statCols) size(vals ...uint64) {
	for i, v := range vals {
		if n := len(fmt.Sprint(v)); n > cols[i] {
			cols[i] = n
		}
	}
}

func (c *Cmd) num(sb *strings.Builder, width int, v uint64) {
	if c.Opts.Human == 0 {
		fmt.Fprintf(sb, "%*d ", width, v)
		return
	}
	fmt.Fprintf(sb, "%*s ", width, humanNum(v, c.Opts.IEC))
}

// humanNum is print_num's -h form.
func humanNum(v uint64, iec bool) string {
	base := uint64(1000)
	if iec {
		base = 1024
	}
	if v < base {
		return fmt.Sprint(v)
	}
	prefix := "kMGTPE"
	powi := uint64(1)
	i := 0
	for {
		powi *= base
		if v/base < powi || i+1 >= len(prefix) {
			break
		}
		i++
	}
	prec := 2
	powj := uint64(1)
	for ; prec > 0; prec-- {
		powj *= 10
		if v/powi < powj {
			break
		}
	}
	suffix := ""
	if iec {
		suffix = "i"
	}
	return fmt.Sprintf("%.*f%c%s", prec, float64(v)/float64(powi), prefix[i], suffix)
}

func (c *Cmd) statsText(s *netdev.StatsSnapshot, cc uint64) {
	ext := c.Opts.Stats > 1
	cols := statCols{10, 7, 6, 7, 7, 7, 10, 9}
	if c.Opts.Human == 0 {
		cols.size(s.RxBytes, s.RxPackets, s.RxErrors, s.RxDropped, s.RxMissedErrors, s.Multicast, s.RxCompressed)
		cols.size(s.TxBytes, s.TxPackets, s.TxErrors, s.TxDropped, s.TxCarrierErrors, s.Collisions, s.TxCompressed)
		if ext {
			cols.size(0, s.RxLengthErrors, s.RxCRCErrors, s.RxFrameErrors, s.RxFIFOErrors, s.RxOverErrors, s.RxNoHandler, s.RxOtherhostDropped)
			cols.size(0, s.TxAbortedErrors, s.TxFIFOErrors, s.TxWindowErrors, s.TxHeartbeatErrors, cc)
		}
	}
	sl := c.sl()
	var sb strings.Builder
	fmt.Fprintf(&sb, "    RX: %*s %*s %*s %*s %*s %*s %*s%s", cols[0]-4, "bytes", cols[1], "packets",
		cols[2], "errors", cols[3], "dropped", cols[4], "missed", cols[5], "mcast",
		cols[6], ifStr(s.RxCompressed != 0, "compressed"), sl)
	sb.WriteString("    ")
	for i, v := range []uint64{s.RxBytes, s.RxPackets, s.RxErrors, s.RxDropped, s.RxMissedErrors, s.Multicast} {
		c.num(&sb, cols[i], v)
	}
	if s.RxCompressed != 0 {
		c.num(&sb, cols[6], s.RxCompressed)
	}
	if ext {
		sb.WriteString(sl)
		nw, ow := 0, 0
		if s.RxNoHandler != 0 {
			nw = cols[6] + 1
		}
		if s.RxOtherhostDropped != 0 {
			ow = cols[7] + 1
		}
		fmt.Fprintf(&sb, "    RX errors:%*s %*s %*s %*s %*s %*s%*s%*s%s", cols[0]-10, "", cols[1], "length",
			cols[2], "crc", cols[3], "frame", cols[4], "fifo", cols[5], "overrun",
			nw, ifStr(nw > 0, " nohandler"), ow, ifStr(ow > 0, " otherhost"), sl)
		fmt.Fprintf(&sb, "%*s", cols[0]+5, "")
		for i, v := range []uint64{s.RxLengthErrors, s.RxCRCErrors, s.RxFrameErrors, s.RxFIFOErrors, s.RxOverErrors} {
			c.num(&sb, cols[i+1], v)
		}
		if s.RxNoHandler != 0 {
			c.num(&sb, cols[6], s.RxNoHandler)
		}
		if s.RxOtherhostDropped != 0 {
			c.num(&sb, cols[7], s.RxOtherhostDropped)
		}
	}
	sb.WriteString(sl)
	fmt.Fprintf(&sb, "    TX: %*s %*s %*s %*s %*s %*s %*s%s", cols[0]-4, "bytes", cols[1], "packets",
		cols[2], "errors", cols[3], "dropped", cols[4], "carrier", cols[5], "collsns",
		cols[6], ifStr(s.TxCompressed != 0, "compressed"), sl)
	sb.WriteString("    ")
	for i, v := range []uint64{s.TxBytes, s.TxPackets, s.TxErrors, s.TxDropped, s.TxCarrierErrors, s.Collisions} {
		c.num(&sb, cols[i], v)
	}
	if s.TxCompressed != 0 {
		c.num(&sb, cols[6], s.TxCompressed)
	}
	if ext {
		sb.WriteString(sl)
		fmt.Fprintf(&sb, "    TX errors:%*s %*s %*s %*s %*s %*s%s", cols[0]-10, "", cols[1], "aborted",
			cols[2], "fifo", cols[3], "window", cols[4], "heartbt", cols[5], "transns", sl)
		fmt.Fprintf(&sb, "%*s", cols[0]+5, "")
		for i, v := range []uint64{s.TxAbortedErrors, s.TxFIFOErrors, s.TxWindowErrors, s.TxHeartbeatErrors, cc} {
			c.num(&sb, cols[i+1], v)
		}
	}
	c.Out.Textf("%s", sb.String())
}

func ifStr(cond bool, s string) string {
	if cond {
		return s
	}
	return ""
}
