package lab

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
)

// UDPStats are a UDP flow's statistics.
type UDPStats struct {
	Sent, SendErrors, Received, Duplicates, Reordered int
	// Loss is (sent − received) / sent, in percent.
	Loss float64
	// Latency statistics over the received datagrams (one way).
	LatencyMin, LatencyP50, LatencyP99, LatencyMax time.Duration
	// Time is from the first datagram to the last.
	Time time.Duration
}

// udpRun is one UDP flow in progress.
type udpRun struct {
	r       *runner
	u       *UDPProbe
	seen    []bool
	maxSeq  int
	lat     []time.Duration
	stats   UDPStats
	lastErr error
}

func (r *runner) runUDP(p *Probe, pr *ProbeResult) {
	u := p.UDP
	pr.Kind = "udp"
	run := &udpRun{r: r, u: u, seen: make([]bool, u.Count), maxSeq: -1}
	dst := u.To.AddrPort
	rns := r.ownerOf(dst.Addr())
	if rns == nil {
		pr.Err = fmt.Sprintf("no host has the address %s", dst.Addr())
		return
	}
	srv, err := inet.ListenUDP(rns, dst, run.recv)
	if err != nil {
		pr.Err = fmt.Sprintf("listen on %s in host %q: %s", dst, rns.Name(), errText(err))
		return
	}
	defer srv.Close()
	src := netip.AddrPortFrom(u.Src.Addr, u.SrcPort)
	if !u.Src.IsValid() {
		unspec := netip.IPv4Unspecified()
		if dst.Addr().Is6() {
			unspec = netip.IPv6Unspecified()
		}
		src = netip.AddrPortFrom(unspec, u.SrcPort)
	}
	cli, err := inet.ListenUDP(r.w.Namespace(u.From), src, func(netip.AddrPort, netip.AddrPort, []byte) {})
	if err != nil {
		pr.Err = fmt.Sprintf("bind %s in host %q: %s", src, u.From, errText(err))
		return
	}
	defer cli.Close()
	pr.Lines = append(pr.Lines, fmt.Sprintf("UDP %s → %s: %d datagrams of %d bytes at %gpps", u.From, dst, u.Count, u.Size, u.Rate.PPS))
	bar := r.newProgress(p.Name, u.Count)
	payload := make([]byte, u.Size)
	opts := inet.UDPOpts{TOS: u.TOS, PMTUDisc: pmtuDisc(u.DF), Src: u.Src.Addr}
	start := r.loop.Now()
	interval := time.Duration(float64(time.Second) / u.Rate.PPS)
	for seq := range u.Count {
		at := start.Add(time.Duration(seq) * interval)
		r.loop.RunUntil(at)
		binary.BigEndian.PutUint64(payload[0:], uint64(seq))
		binary.BigEndian.PutUint64(payload[8:], uint64(r.loop.Now().UnixNano()))
		run.stats.Sent++
		if err := cli.SendTo(dst, payload, opts); err != nil {
			run.stats.SendErrors++
			run.lastErr = err
		}
		if seq%64 == 0 {
			bar.set(seq)
		}
		if r.ctx.Err() != nil {
			break
		}
	}
	run.stats.Time = r.loop.Now().Sub(start)
	r.runUntil(r.loop.Now().Add(u.Wait.D), func() bool { return run.stats.Received >= run.stats.Sent })
	bar.done()
	run.finish()
	pr.UDP = &run.stats
	pr.Lines = append(pr.Lines, run.summary()...)
}

// ownerOf returns the namespace that has addr on one of its devices.
func (r *runner) ownerOf(addr netip.Addr) *netdev.Namespace {
	fam := inet.FamilyV4
	if addr.Is6() {
		fam = inet.FamilyV6
	}
	for _, h := range r.lab.Hosts {
		ns := r.w.Namespace(h.Name)
		for _, a := range inet.Addrs(ns, 0, fam) {
			if a.Prefix.Addr() == addr {
				return ns
			}
		}
	}
	return nil
}

// recv counts one datagram of the flow.
func (u *udpRun) recv(src, dst netip.AddrPort, p []byte) {
	if len(p) < MinUDPSize {
		return
	}
	seq := binary.BigEndian.Uint64(p[0:])
	if seq >= uint64(len(u.seen)) {
		return
	}
	if u.seen[seq] {
		u.stats.Duplicates++
		return
	}
	u.seen[seq] = true
	u.stats.Received++
	if int(seq) < u.maxSeq {
		u.stats.Reordered++
	}
	u.maxSeq = max(u.maxSeq, int(seq))
	sent := time.Unix(0, int64(binary.BigEndian.Uint64(p[8:])))
	u.lat = append(u.lat, u.r.loop.Now().Sub(sent))
}

func (u *udpRun) finish() {
	s := &u.stats
	if s.Sent > 0 {
		s.Loss = float64(s.Sent-s.Received) * 100 / float64(s.Sent)
	}
	if len(u.lat) == 0 {
		return
	}
	slices.Sort(u.lat)
	s.LatencyMin, s.LatencyMax = u.lat[0], u.lat[len(u.lat)-1]
	s.LatencyP50 = percentile(u.lat, 50)
	s.LatencyP99 = percentile(u.lat, 99)
}

// percentile returns the nearest-rank percentile of sorted values.
func percentile(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[max(0, min(len(sorted)-1, i-1))]
}

func (u *udpRun) summary() []string {
	s := &u.stats
	line := fmt.Sprintf("%d sent, %d received, %s%% loss, %d duplicates, %d reordered, time %dms",
		s.Sent, s.Received, fmtFloat(s.Loss), s.Duplicates, s.Reordered, s.Time.Milliseconds())
	if s.SendErrors > 0 {
		line += fmt.Sprintf(", %d send errors (last: %s)", s.SendErrors, errText(u.lastErr))
	}
	out := []string{line}
	if s.Received > 0 {
		out = append(out, fmt.Sprintf("latency min/p50/p99/max = %.3f/%.3f/%.3f/%.3f ms",
			ms(s.LatencyMin), ms(s.LatencyP50), ms(s.LatencyP99), ms(s.LatencyMax)))
	}
	return out
}
